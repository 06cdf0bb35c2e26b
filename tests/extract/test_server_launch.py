"""Reading how an MCP server entry launches its server: which local program it runs."""

import pytest

from riskscan.extract.configs.server_launch import read_launch


@pytest.mark.parametrize(
    "entry, program",
    [
        ({"command": "python", "args": ["server.py"]}, "server.py"),
        ({"command": "/usr/bin/python3", "args": ["-u", "/Users/dana/src/acme/crm/server.py"]}, "/Users/dana/src/acme/crm/server.py"),
        ({"command": "uv", "args": ["--directory", "/srv/acme/", "run", "crm/server.py"]}, "/srv/acme/crm/server.py"),
        ({"command": "uv", "args": ["run", "python", "-m", "files_server"]}, "-m files_server"),
        ({"command": "fastmcp", "args": ["run", "app/server.py:mcp"]}, "app/server.py"),
        ({"command": "mcp", "args": ["run", "server.py"]}, "server.py"),
        ({"command": "node", "args": ["build/index.js"]}, ""),
        ({"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"]}, ""),
        ({"url": "https://example.com/mcp"}, ""),
    ],
)
def test_the_local_program_a_server_entry_runs(entry, program):
    assert read_launch(entry, ("mcpServers", "x")).local_program == program
