"""MCP client configs: Claude Desktop, Claude Code, Cursor, VS Code, Windsurf.

One config file is one agent (every server of a client shares the client's model context). A server
the catalog knows becomes one tool per catalogued tool; an unknown server becomes one opaque tool
labelled by MCP's annotation defaults. Hygiene checks (secrets, pinning, filesystem roots, plain
http) run on every server entry. The commands are only read, never run.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from riskscan.extract.json_input import Pointer, Positions
from riskscan.extract.server_launch import (
    Launch,
    normalise_image,
    normalise_package,
    read_launch,
)
from riskscan.rulesets import McpServer, Rulesets
from riskscan.secrets import find_secret, redact
from riskscan.types import (
    CONFIDENCE_CATALOG,
    CONFIDENCE_UNKNOWN_SERVER,
    EXTERNAL_SEND,
    FS_DELETE,
    FS_WRITE,
    UNTRUSTED_INPUT,
    AgentFact,
    Capability,
    Diagnostic,
    Evidence,
    Facts,
    HygieneFact,
    Items,
    Location,
    Ref,
    SourceFile,
    ToolFact,
)

FRAMEWORK = "mcp-config"

# MCP ToolAnnotations defaults for a tool that says nothing: readOnlyHint false, destructiveHint
# true, openWorldHint true. Open world: it reads from and writes to outsiders (untrusted_input,
# external_send); not read-only and destructive: it writes and destroys (fs_write, fs_delete). The
# defaults say nothing about running code or reading private data, so those are not assumed; a
# tools/list manifest of the server gives the model stage better evidence when there is one.
UNKNOWN_SERVER_LABELS = (UNTRUSTED_INPUT, EXTERNAL_SEND, FS_WRITE, FS_DELETE)

_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # docker -e NAME=value
_BROAD_ROOTS = re.compile(
    r"^(?:/|~|\$HOME|\$\{HOME\}|\$\{env:HOME\}|\$\{userHome\}|%USERPROFILE%|\$\{env:USERPROFILE\}|/root"
    r"|/home(?:/[^/]+)?|/Users(?:/[^/]+)?|[A-Za-z]:|[A-Za-z]:/Users(?:/[^/]+)?)$"
)


def extract(document: dict, positions: Positions, source: SourceFile, rulesets: Rulesets) -> Facts:
    container, servers = _servers(document)
    path = source.path
    tools: list[ToolFact] = []
    hygiene: list[HygieneFact] = []
    diagnostics: list[Diagnostic] = []
    catalog = _catalog(rulesets.mcp_servers)
    for key, entry in servers.items():
        pointer = container + (key,)
        location = positions.location(pointer)
        if not isinstance(entry, dict):
            diagnostics.append(Diagnostic(location, "invalid-server", f"server `{key}` is not an object; skipped"))
            continue
        launch = read_launch(entry, pointer)
        server = catalog.match(launch)
        hygiene += _hygiene(key, entry, pointer, launch, server, positions, rulesets)
        if entry.get("disabled") is True:
            continue
        tools += _known_tools(path, key, server, location) if server else [_opaque_tool(path, key, launch, location)]
    client = _client(path, container)
    agent = AgentFact(
        id=f"mcp-client:{path}",
        name=f"{client} ({path})",
        framework=FRAMEWORK,
        location=positions.location(container),
        tools=(Items(tuple(Ref(t.id, t.location) for t in tools)),),
    )
    return Facts(
        path=path,
        kind="mcp-config",
        tools=tuple(tools),
        agents=(agent,),
        hygiene=tuple(hygiene),
        diagnostics=tuple(diagnostics),
    )


def _servers(document: dict) -> tuple[Pointer, dict]:
    for key in ("mcpServers", "servers"):
        if isinstance(document.get(key), dict):
            return (key,), document[key]
    return ("mcp", "servers"), document["mcp"]["servers"]


def _client(path: str, container: Pointer) -> str:
    base = path.rsplit("/", 1)[-1]
    if base == "claude_desktop_config.json":
        return "Claude Desktop"
    if base in (".mcp.json", ".claude.json"):
        return "Claude Code"
    if path.endswith(".cursor/mcp.json"):
        return "Cursor"
    if path.endswith(".vscode/mcp.json") or container[0] in ("servers", "mcp"):
        return "VS Code"
    if base == "mcp_config.json" and "windsurf" in path.lower():
        return "Windsurf"
    return "MCP client"


# --- catalog -------------------------------------------------------------------------------------


class _Catalog:
    def __init__(self, servers: tuple[McpServer, ...]) -> None:
        self.packages = {normalise_package(p): s for s in servers for p in s.packages}
        self.images = {normalise_image(i): s for s in servers for i in s.images}
        self.urls = sorted(((u.lower().rstrip("/"), s) for s in servers for u in s.urls), key=lambda x: -len(x[0]))

    def match(self, launch: Launch) -> McpServer | None:
        if launch.url:
            url = launch.url.lower().rstrip("/")
            return next((s for prefix, s in self.urls if url == prefix or url.startswith(prefix + "/")
                         or (prefix.endswith("/") and url.startswith(prefix))), None)
        if launch.kind in ("npm", "pypi"):
            return self.packages.get(normalise_package(launch.name))
        if launch.kind == "docker":
            return self.images.get(normalise_image(launch.name))
        return None


@lru_cache(maxsize=8)
def _catalog(servers: tuple[McpServer, ...]) -> _Catalog:
    return _Catalog(servers)


# --- tool facts -----------------------------------------------------------------------------------


def _known_tools(path: str, key: str, server: McpServer, location: Location) -> list[ToolFact]:
    facts = []
    for tool in server.tools:
        evidence = (Evidence("known-server", f"{server.title}: {tool.name} ({server.source})", location),)
        facts.append(ToolFact(
            id=f"mcp:{path}#{key}/{tool.name}",
            name=tool.name,
            framework=FRAMEWORK,
            location=location,
            description=tool.description,
            server=server.id,
            capabilities=tuple(Capability(label, CONFIDENCE_CATALOG, evidence) for label in tool.labels),
        ))
    return facts


def _opaque_tool(path: str, key: str, launch: Launch, location: Location) -> ToolFact:
    if launch.url:
        what = f"remote server at {urlsplit(launch.url).hostname or 'an unreadable URL'}"
    elif launch.kind in ("npm", "pypi", "docker"):
        what = f"{'image' if launch.kind == 'docker' else 'package'} {launch.name}"
    elif launch.kind == "command":
        what = f"command {launch.runner}"
    else:
        what = "an entry with neither command nor url"
    detail = (f"{key}: {what} is not in the server catalog; assumed the MCP annotation defaults "
              "(not read-only, destructive, open-world)")
    evidence = (Evidence("unknown-server", detail, location),)
    return ToolFact(
        id=f"mcp:{path}#{key}/*",
        name=f"{key}/*",
        framework=FRAMEWORK,
        location=location,
        capabilities=tuple(Capability(label, CONFIDENCE_UNKNOWN_SERVER, evidence) for label in UNKNOWN_SERVER_LABELS),
        launches=launch.local_program or None,
    )


# --- hygiene --------------------------------------------------------------------------------------


def _hygiene(key: str, entry: dict, pointer: Pointer, launch: Launch, server: McpServer | None,
             positions: Positions, rulesets: Rulesets) -> list[HygieneFact]:
    found: list[HygieneFact] = []

    def add(check: str, where: Pointer, detail: str) -> None:
        found.append(HygieneFact(check, positions.location(where), key, detail))

    for where, label, name, value in _literal_values(entry, pointer):
        secret, part = _secret_in(name, value, rulesets)
        if secret:
            add("plaintext-secret", where, f"{label}{part} holds a literal secret ({secret}): {redact(value)}")
    if launch.kind in ("npm", "pypi", "docker") and not launch.pinned:
        what = "image" if launch.kind == "docker" else "package"
        add("unpinned-package", launch.spec_pointer,
            f"`{launch.runner}` runs {what} {launch.name} without an exact version"
            + (" (@latest is not a version)" if launch.spec.endswith(("@latest", ":latest")) else ""))
    if server is not None and (server.id == "filesystem" or any(FS_WRITE in t.labels for t in server.tools)):
        for where, folder in launch.server_args + launch.mounts:
            if _is_broad_root(folder):
                add("broad-filesystem-root", where, f"{server.title} is given `{folder}` as an allowed folder")
    if launch.url:
        parts = urlsplit(launch.url)
        if parts.scheme.lower() == "http" and not _is_loopback(parts.hostname or ""):
            add("plain-http-remote", launch.url_pointer, f"remote server {parts.hostname} is reached over plain http")
    return found


def _literal_values(entry: dict, pointer: Pointer):
    """(pointer, label, key name, value) of every string a secret could hide in."""
    for section in ("env", "headers"):
        values = entry.get(section)
        if isinstance(values, dict):
            for name, value in values.items():
                if isinstance(value, str):
                    yield pointer + (section, name), f"{section}.{name}", name, value
    args = entry.get("args") if isinstance(entry.get("args"), list) else []
    previous = ""
    for index, value in enumerate(args):
        if isinstance(value, str):
            flag, eq, inline = value.partition("=")
            if eq and (value.startswith("-") or _ENV_ASSIGNMENT.match(flag)):
                yield pointer + ("args", index), f"args[{index}]", flag.lstrip("-"), inline
            else:
                name = previous.lstrip("-") if previous.startswith("-") and "=" not in previous else None
                yield pointer + ("args", index), f"args[{index}]", name, value
            previous = value
    for url_key in ("url", "serverUrl", "command"):
        if isinstance(entry.get(url_key), str):
            yield pointer + (url_key,), url_key, None, entry[url_key]


def _secret_in(name: str | None, value: str, rulesets: Rulesets) -> tuple[str | None, str]:
    """The secret kind found in a value, and which part of a URL holds it."""
    secret = find_secret(name, value, rulesets)
    if secret or "://" not in value:
        return secret, ""
    for param, param_value in parse_qsl(urlsplit(value).query):
        secret = find_secret(param, param_value, rulesets)
        if secret:
            return secret, f" (query parameter {param})"
    return None, ""


def _is_broad_root(folder: str) -> bool:
    normalised = folder.strip().strip("'\"").replace("\\", "/")
    if len(normalised) > 1:
        normalised = normalised.rstrip("/")
    return bool(_BROAD_ROOTS.match(normalised))


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in ("localhost", "0.0.0.0", "host.docker.internal") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
