"""MCP client configs and client settings: one module per client family (mcp_config.py for the JSON
configs of Claude Desktop, Claude Code, Cursor, VS Code, Windsurf, Gemini CLI and Zed;
codex_config.py; continue_config.py; client_settings.py for permission rules and hooks), with how
a server is launched (server_launch.py) and the options it is started with (server_options.py).
A parsed document and its positions in, the file's `Facts` out: servers as agents' tools, hygiene."""
