"""Which client an MCP config belongs to, by where the file is and, when that does not tell, by
what it holds: the name its agent is given (mcp_config.py), and the client whose own tools the
model stage gives that agent (riskscan/model/client_builtins.py)."""

from __future__ import annotations


def client_name(path: str, document: object = None) -> str:
    named = client_of_path(path)
    if named is not None:
        return named
    if isinstance(document, dict) and isinstance(document.get("context_servers"), dict):
        return "Zed"
    if isinstance(document, dict) and ("servers" in document or "mcp" in document):
        return "VS Code"
    return "MCP client"


def client_of_path(path: str) -> str | None:
    """The client a config belongs to by where it is, or None when only its content can tell (the
    model stage gives a client its built-in tools by this: riskscan/model/client_builtins.py)."""
    base = path.rsplit("/", 1)[-1]
    if base == "claude_desktop_config.json":
        return "Claude Desktop"
    if base in (".mcp.json", ".claude.json"):
        return "Claude Code"
    if path.endswith(".cursor/mcp.json"):
        return "Cursor"
    if path.endswith(".gemini/settings.json"):
        return "Gemini CLI"
    if base == "mcp_config.json" and "windsurf" in path.lower():
        return "Windsurf"
    if path.endswith((".vscode/mcp.json", ".vscode/settings.json")):
        return "VS Code"
    if base == "config.toml" and path.endswith(".codex/config.toml"):
        return "Codex"
    return None
