"""MCP client configs and client settings: one module per client family (mcp_config.py for the JSON
configs of Claude Desktop, Claude Code, Cursor, VS Code, Windsurf, Gemini CLI and Zed;
codex_config.py; continue_config.py; client_settings.py for Claude Code's permission rules and
hooks, tool_settings.py for those of Gemini CLI, the Cursor CLI and VS Code), which client a file is
(clients.py), how a server is launched (server_launch.py) and the options it is started with
(server_options.py), and Claude Code's permission system as data (claude_code_permissions.py,
shared with the Claude Agent SDK adapter). A parsed document and its positions in, the file's
`Facts` out: servers as agents' tools, permission rules, hygiene."""
