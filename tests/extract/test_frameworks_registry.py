"""`riskscan --help` names the frameworks the Python extractor reads, from the registry of
framework names (riskscan/frameworks.py) that the adapters use: the registry and the adapters must
agree, and every adapter's frameworks must be in the help."""

import json

from click.testing import CliRunner

from riskscan import frameworks
from riskscan.cli import main
from riskscan.extract.python.adapters import adapter_classes, display_names
from riskscan.extract.python.adapters.registrations import Registrations


def test_every_adapter_names_registered_frameworks_and_every_entry_has_an_adapter():
    recorded = {}
    for adapter in adapter_classes():
        if adapter is Registrations:  # records tools on objects of the other frameworks
            assert adapter.frameworks == ()
            continue
        assert adapter.frameworks, f"{adapter.__name__} names no framework"
        for framework in adapter.frameworks:
            assert framework in frameworks.FRAMEWORKS, f"{adapter.__name__}: {framework!r} is not in riskscan/frameworks.py"
            recorded[framework] = adapter.__name__
    assert set(recorded) == set(frameworks.FRAMEWORKS), "a registered framework no adapter records"


def test_the_adapters_record_the_ids_they_name():
    # each adapter module's FRAMEWORK constant is what its facts carry in `framework`
    import importlib

    for adapter in adapter_classes():
        module = importlib.import_module(adapter.__module__)
        if adapter is not Registrations:
            assert module.FRAMEWORK in adapter.frameworks, adapter.__name__


def test_help_lists_every_adapters_frameworks():
    result = CliRunner().invoke(main, ["--help"], terminal_width=100)
    assert result.exit_code == 0
    text = " ".join(result.output.split())  # click wraps the paragraph
    for adapter in adapter_classes():
        for name in display_names(adapter):
            assert name in text, f"{name} ({adapter.__name__}) is missing from riskscan --help"


# one config of each client riskscan reads, each launching the same known server
SERVER = {"command": "uvx", "args": ["mcp-server-time"]}
CLIENT_CONFIGS = {
    "claude_desktop_config.json": json.dumps({"mcpServers": {"time": SERVER}}),
    ".mcp.json": json.dumps({"mcpServers": {"time": SERVER}}),
    ".cursor/mcp.json": json.dumps({"mcpServers": {"time": SERVER}}),
    ".vscode/mcp.json": json.dumps({"servers": {"time": SERVER}}),
    ".codeium/windsurf/mcp_config.json": json.dumps({"mcpServers": {"time": SERVER}}),
    ".gemini/settings.json": json.dumps({"mcpServers": {"time": SERVER}}),
    "zed/settings.json": json.dumps({"context_servers": {"time": SERVER}}),
    ".continue/mcpServers/time.yaml": "mcpServers:\n  - name: time\n    command: uvx\n    args: [mcp-server-time]\n",
    ".codex/config.toml": '[mcp_servers.time]\ncommand = "uvx"\nargs = ["mcp-server-time"]\n',
}


def test_help_lists_every_mcp_client_the_extractors_name_and_no_other(tmp_path):
    from riskscan.scan import scan

    for name, text in CLIENT_CONFIGS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    named = {agent.name.rsplit(" (", 1)[0] for agent in scan(str(tmp_path)).agents}
    assert named == set(frameworks.MCP_CLIENTS)
    help_text = " ".join(CliRunner().invoke(main, ["--help"]).output.split())
    assert f"MCP client configs ({', '.join(frameworks.MCP_CLIENTS)})" in help_text
