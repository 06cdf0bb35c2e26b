"""Extract: one file in, its `Facts` out. One extractor per input kind; each is pure and never
raises on bad input (it returns what it could read plus diagnostics).

python/ reads Python with libcst (framework adapters in python/adapters/), and notebooks.py the code
cells of Jupyter notebooks through it; json_files.py hands each
JSON file to its reader: configs/ (MCP client configs and client settings), manifest.py (tool
manifests, whose texts metadata.py analyses) or lockfile.py; codex_config.py and continue_config.py
in configs/ read TOML and YAML clients; declared.py the agents a project declares in its
configuration; crewai_config.py CrewAI's YAML."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from riskscan.rulesets import Rulesets
from riskscan.types import Diagnostic, Facts, Location, SourceFile

# kind -> module whose `extract(data, source, rulesets)` reads it; imported only when needed, so
# a scan with no Python files never loads libcst.
EXTRACTORS = {
    "python": "riskscan.extract.python",
    "notebook": "riskscan.extract.notebooks",
    "json": "riskscan.extract.json_files",
    "toml": "riskscan.extract.configs.codex_config",
    "yaml": "riskscan.extract.configs.continue_config",
    "agents-config": "riskscan.extract.declared",
    "crewai-config": "riskscan.extract.crewai_config",
}


def extract_file(root: str, source: SourceFile, rulesets: Rulesets) -> Facts:
    try:
        data = (Path(root) / source.path).read_bytes()
    except OSError as error:
        return failed(source, "unreadable", f"cannot read: {error.strerror}")
    return extract_data(source, data, rulesets)


def extract_data(source: SourceFile, data: bytes, rulesets: Rulesets) -> Facts:
    """The facts of one file's bytes. A failure of riskscan itself on this file is reported as a
    diagnostic of the file, so the rest of the scan goes on."""
    if is_binary(data):
        return failed(source, "binary-file", "binary content in a source file; not read")
    extractor = import_module(EXTRACTORS[source.kind])
    try:
        return extractor.extract(data, source, rulesets)
    except RecursionError:
        return failed(source, "too-deep", "nesting too deep to analyse; not read")
    except Exception as error:  # noqa: BLE001 - a bug of riskscan must not stop the scan
        return failed(source, "internal-error", f"riskscan failed to read this file ({type(error).__name__}); please report it")


def is_binary(data: bytes) -> bool:
    return b"\0" in data[:8192]


def failed(source: SourceFile, code: str, message: str) -> Facts:
    """A file that could not be read: an error, so that the report, SARIF and --strict count it."""
    return Facts(source.path, source.kind, source.module, diagnostics=(Diagnostic(Location(source.path), code, message, "error"),))
