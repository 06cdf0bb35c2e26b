"""Every kind of fact a reader can return is cacheable: a class the codec does not know makes
its file's facts uncacheable, and the file is read again on every run without a word."""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil

import riskscan.types
from riskscan import discover, rulesets
from riskscan.cache import decode, encode
from riskscan.scan import reading
from riskscan.types import Config, Location, PermissionRule


def test_every_dataclass_of_the_types_package_is_known_to_the_codec():
    for module_info in pkgutil.iter_modules(riskscan.types.__path__):
        module = importlib.import_module(f"riskscan.types.{module_info.name}")
        for name, cls in vars(module).items():
            if dataclasses.is_dataclass(cls) and isinstance(cls, type) and cls.__module__ == module.__name__:
                assert getattr(riskscan.types, name, None) is cls, f"riskscan.types does not export {name}: the cache cannot decode it"


def test_a_permission_rule_round_trips():
    rule = PermissionRule("claude-code", "", "ask", "mcp__fetch", Location(".claude/settings.json", 4, 13))
    assert decode(json.loads(json.dumps(encode(rule)))) == rule


def test_a_client_settings_file_is_cached_like_any_other(tmp_path):
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / "settings.json").write_text('{"permissions": {"ask": ["mcp__fetch"]}}')
    (tmp_path / ".mcp.json").write_text('{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch==2025.4.7"]}}}')
    config = Config(cache_dir=str(tmp_path / "cache"))
    found = discover.discover(str(tmp_path))
    reading.read(found, rulesets.load(()), config)
    warm = reading.read(found, rulesets.load(()), config)
    assert warm.read == 0 and warm.cached == len(found.files) == 2
