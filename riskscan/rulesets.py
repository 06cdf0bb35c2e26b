"""Load the rulesets: data files that say what is dangerous, each validated by a JSON Schema.

A ruleset file is YAML (or JSON) with `kind` and `version` at the top. The bundled files live in
the package's `rulesets/` folder; users add their own by path. Files of the same kind are merged:
their entries are concatenated, later files after earlier ones (a later rule with the same id
replaces the earlier one). An invalid file is an error naming the file and the schema path.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from riskscan.catalog import ApiEntry, read_catalog
from riskscan.catalog.commands import CodeRunners
from riskscan.types import Rule

KINDS = ("rules", "apis", "builtin-tools", "mcp-servers", "lexicon", "secrets")
SCHEMA_DIR = Path(__file__).parent / "schemas"


class RulesetError(Exception):
    """A ruleset file is unreadable or does not match its schema."""


@dataclass(frozen=True)
class BuiltinTool:
    """A framework's built-in tool class or factory, by qualified name."""

    names: tuple[str, ...]  # qualified names it is imported under
    tool_name: str  # the name the model sees
    framework: str
    labels: tuple[str, ...]
    gates: tuple[str, ...] = ()  # gate kinds it carries by nature (sandbox for a hosted interpreter)
    note: str = ""


@dataclass(frozen=True)
class ServerTool:
    name: str
    labels: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class ServerOption:
    """A server argument, environment variable or URL part that changes what a catalogued server
    can do. It applies when any of its triggers is present (or always); `effect` says how:
    read-only (the write and send labels go), drop-labels (`labels` go), drop-tools (`tools` are
    not offered), allowlist / sandbox (a gate on every tool), roots (the positional arguments
    are allowed folders, recorded in the evidence)."""

    effect: str
    note: str
    flags: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    env_present: tuple[str, ...] = ()
    env_absent: tuple[str, ...] = ()
    url_query: tuple[tuple[str, str], ...] = ()
    url_suffix: tuple[str, ...] = ()
    always: bool = False
    labels: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()


@dataclass(frozen=True)
class McpServer:
    id: str
    title: str
    source: str  # where the tool list was taken from
    packages: tuple[str, ...] = ()  # npm / PyPI package names run by npx, uvx, pipx
    images: tuple[str, ...] = ()  # container images run by docker/podman
    urls: tuple[str, ...] = ()  # URL prefixes of remote servers
    tools: tuple[ServerTool, ...] = ()
    options: tuple[ServerOption, ...] = ()


@dataclass(frozen=True)
class LexiconEntry:
    """Give `label` to a tool whose words hit every group (any word of each group)."""

    label: str
    groups: tuple[tuple[str, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class SecretPattern:
    id: str
    pattern: str  # a regular expression over a config value (not over source code)
    description: str = ""


@dataclass(frozen=True)
class Rulesets:
    rules: tuple[Rule, ...]
    apis: tuple[ApiEntry, ...]
    builtin_tools: tuple[BuiltinTool, ...]
    mcp_servers: tuple[McpServer, ...]
    lexicon: tuple[LexiconEntry, ...]
    secrets: tuple[SecretPattern, ...]
    secret_keys: tuple[str, ...]  # words that make a config key name a secret's (token, api_key, ...)
    factories: tuple[tuple[str, str], ...]  # (function or method, the class of what it returns)
    digest: str  # hash of every file's content: a cache key
    sensitive_paths: tuple[str, ...] = ()  # names in a path that hold secrets: .env, .ssh, .aws/credentials
    code_runners: CodeRunners = CodeRunners()  # programs that run code named in their arguments: python, bash, npx
    harmless: tuple[str, ...] = ()  # calls that do nothing an agent's risk needs: git.Repo.is_dirty, pydantic.*
    # factories whose literal argument names the class returned: (name, returns prefix, position, keyword)
    selected_factories: tuple[tuple[str, str, int | None, str | None], ...] = ()
    generic_fields: tuple[tuple[str, str], ...] = ()  # (class, field): the field's type is the class's type argument
    attribute_types: tuple[tuple[str, str], ...] = ()  # (Class.attribute, the class of its value): properties, re-exports

    # Rulesets key the caches of their indexes: the digest of their files stands for their content,
    # instead of hashing and comparing every rule and catalogue entry on each lookup
    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rulesets) and other.digest == self.digest

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def is_harmless(self, callee: str) -> bool:
        """Whether the catalog calls `callee` harmless: named, or in a module or class named with `.*`."""
        exact, prefixes = _harmless_index(self.harmless)
        return callee in exact or any(callee.startswith(prefix) for prefix in prefixes)

    def api_index(self) -> dict[str, ApiEntry]:
        return _api_index(self)

    def builtin_index(self) -> dict[str, BuiltinTool]:
        return _builtin_index(self)

    def builtins_of(self, framework: str) -> dict[str, BuiltinTool]:
        """The built-in tools one framework ships, by qualified name (computed once)."""
        return _builtins_of(self, framework)

    def factory_index(self) -> dict[str, str]:
        return _factory_index(self)

    def attribute_type_index(self) -> dict[str, str]:
        """`msgraph.GraphServiceClient.me` -> the class of what that attribute holds."""
        return _attribute_type_index(self)

    def generic_field_index(self) -> frozenset[tuple[str, str]]:
        return frozenset(self.generic_fields)

    def selected_factory_index(self) -> dict[str, tuple[str, int | None, str | None]]:
        """`boto3.client` -> ("boto3.services", 0, "service_name"): `boto3.client("s3")` makes a
        `boto3.services.s3`."""
        return {name: (returns, position, keyword) for name, returns, position, keyword in self.selected_factories}


@lru_cache(maxsize=8)
def _api_index(rulesets: Rulesets) -> dict[str, ApiEntry]:
    return {entry.name: entry for entry in rulesets.apis}


@lru_cache(maxsize=8)
def _builtin_index(rulesets: Rulesets) -> dict[str, BuiltinTool]:
    return {name: tool for tool in rulesets.builtin_tools for name in tool.names}


@lru_cache(maxsize=64)
def _builtins_of(rulesets: Rulesets, framework: str) -> dict[str, BuiltinTool]:
    return {name: tool for name, tool in _builtin_index(rulesets).items() if tool.framework == framework}


@lru_cache(maxsize=8)
def _factory_index(rulesets: Rulesets) -> dict[str, str]:
    return dict(rulesets.factories)


@lru_cache(maxsize=8)
def _attribute_type_index(rulesets: Rulesets) -> dict[str, str]:
    return dict(rulesets.attribute_types)


def bundled_dir() -> Path:
    """The bundled rulesets: inside the package when installed from a wheel, at the repository
    root in a source checkout or an editable install."""
    inside = Path(__file__).parent / "rulesets"
    if inside.is_dir():
        return inside
    return Path(__file__).parent.parent / "rulesets"


def trace_rules_path() -> Path:
    """The rules only `riskscan trace` reports (RS4xx): bundled data like the others, in a file of
    their own so that a static scan neither loads nor reports them."""
    return bundled_dir() / "trace" / "rules.yaml"


def trace_rules(memo=None) -> tuple[Rule, ...]:
    return load((str(trace_rules_path()),), bundled=False, memo=memo).rules


def load_every_rule(extra: tuple[str, ...] = (), memo=None) -> Rulesets:
    """The bundled rulesets, the trace rules and `extra`: every rule `riskscan rules` lists and
    `riskscan rule CODE` explains."""
    return load((str(trace_rules_path()), *extra), memo=memo)


def load(extra: tuple[str, ...] = (), bundled: bool = True, memo=None) -> Rulesets:
    """The bundled rulesets and `extra` ruleset files, each validated against its schema. `memo`
    (a riskscan.cache.Cache) remembers which file contents passed, so that a run on unchanged
    rulesets does not validate (nor load the validator) again."""
    paths: list[Path] = sorted(bundled_dir().glob("*.yaml")) if bundled else []
    paths += [Path(p) for p in extra]
    key = tuple(str(p) for p in paths)
    if key not in _LOADED:
        if len(_LOADED) >= 4:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = _load_paths(key, memo)
    return _LOADED[key]


@lru_cache(maxsize=8)
def _harmless_index(patterns: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    exact = frozenset(p for p in patterns if not p.endswith(".*"))
    return exact, tuple(p[:-1] for p in patterns if p.endswith(".*"))  # "pydantic.*" -> "pydantic."


_LOADED: dict[tuple[str, ...], Rulesets] = {}  # by paths: loaded once per process, with or without a memo


def _load_paths(paths: tuple[str, ...], memo) -> Rulesets:
    by_kind: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    digest = hashlib.sha256()
    for path in paths:
        raw = _read(Path(path))
        digest.update(raw)
        document = _parse(Path(path), raw)
        kind = document.get("kind") if isinstance(document, dict) else None
        if kind not in KINDS:
            raise RulesetError(f"{path}: `kind` must be one of {', '.join(KINDS)}, got {kind!r}")
        passed = hashlib.sha256(json.dumps(schema(kind), sort_keys=True).encode() + b"\0" + raw).hexdigest()
        if memo is None or memo.get("valid-rulesets", passed) is not True:
            _validate(Path(path), document, kind)
            if memo is not None:
                memo.put("valid-rulesets", passed, True)
        by_kind[kind].append(document)
    return _build(by_kind, digest.hexdigest())


def _read(path: Path) -> bytes:
    from riskscan.files import read_bounded

    try:
        return read_bounded(path)
    except OSError as error:
        raise RulesetError(f"{path}: cannot read ruleset: {error.strerror}") from error


def _parse(path: Path, raw: bytes) -> object:
    import yaml

    from riskscan.formats import yaml_input

    try:
        # libyaml's loader when PyYAML has it: the same documents, about ten times faster; aliases
        # bounded (a ruleset named by a scanned repository's config is hostile input too)
        return yaml_input.load(raw.decode("utf-8"), yaml_input.FAST_LOADER)
    except UnicodeDecodeError as error:
        raise RulesetError(f"{path}: not UTF-8 text") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise RulesetError(f"{path}{where}: invalid YAML: {getattr(error, 'problem', error)}") from error


@lru_cache(maxsize=None)
def schema(kind: str) -> dict:
    return json.loads((SCHEMA_DIR / f"ruleset-{kind}.schema.json").read_text(encoding="utf-8"))


def _validate(path: Path, document: object, kind: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(kind))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise RulesetError(
            f"{path}: at {where}: {error.message} (schema: {'/'.join(str(p) for p in error.schema_path)})"
        )


def _build(by_kind: dict[str, list[dict]], digest: str) -> Rulesets:
    def entries(kind: str, key: str) -> list[dict]:
        return [entry for document in by_kind[kind] for entry in document.get(key, [])]

    rules: dict[str, Rule] = {}
    for entry in entries("rules", "rules"):
        rules[entry["id"]] = Rule(
            id=entry["id"],
            name=entry["name"],
            kind=entry["kind"],
            title=entry["title"],
            severity=entry["severity"],
            description=entry["description"].strip(),
            help=entry["help"].strip(),
            remediation=entry["remediation"].strip(),
            tags=tuple(entry.get("tags", ())),
            cwe=tuple(entry.get("cwe", ())),
            requires=tuple(entry.get("requires", ())),
            sinks=tuple(entry.get("sinks", ())),
            check=entry.get("check"),
        )
    catalog = read_catalog(by_kind["apis"])
    builtin = tuple(
        BuiltinTool(
            names=tuple(e["names"]),
            tool_name=e["tool_name"],
            framework=e["framework"],
            labels=tuple(e["labels"]),
            gates=tuple(e.get("gates", ())),
            note=e.get("note", ""),
        )
        for e in entries("builtin-tools", "tools")
    )
    servers = tuple(
        McpServer(
            id=e["id"],
            title=e["title"],
            source=e["source"],
            packages=tuple(e.get("match", {}).get("packages", ())),
            images=tuple(e.get("match", {}).get("images", ())),
            urls=tuple(e.get("match", {}).get("urls", ())),
            tools=tuple(
                ServerTool(name=t["name"], labels=tuple(t["labels"]), description=t.get("description", ""))
                for t in e.get("tools", ())
            ),
            options=tuple(_server_option(o) for o in e.get("options", ())),
        )
        for e in entries("mcp-servers", "servers")
    )
    lexicon = tuple(
        LexiconEntry(label=e["label"], groups=tuple(tuple(g) for g in e["groups"]), note=e.get("note", ""))
        for e in entries("lexicon", "entries")
    )
    secrets = tuple(
        SecretPattern(id=e["id"], pattern=e["pattern"], description=e.get("description", ""))
        for e in entries("secrets", "patterns")
    )
    secret_keys = tuple(word for document in by_kind["secrets"] for word in document.get("key_words", ()))
    return Rulesets(
        rules=tuple(sorted(rules.values(), key=lambda r: r.id)),
        apis=catalog.apis,
        builtin_tools=builtin,
        mcp_servers=servers,
        lexicon=lexicon,
        secrets=secrets,
        secret_keys=secret_keys,
        factories=catalog.factories,
        digest=digest,
        sensitive_paths=catalog.sensitive_paths,
        code_runners=catalog.code_runners,
        harmless=catalog.harmless,
        selected_factories=catalog.selected_factories,
        generic_fields=catalog.generic_fields,
        attribute_types=catalog.attribute_types,
    )


def _server_option(entry: dict) -> ServerOption:
    return ServerOption(
        effect=entry["effect"],
        note=entry["note"],
        flags=tuple(entry.get("flags", ())),
        env=tuple(sorted(entry.get("env", {}).items())),
        env_present=tuple(entry.get("env_present", ())),
        env_absent=tuple(entry.get("env_absent", ())),
        url_query=tuple(sorted(entry.get("url_query", {}).items())),
        url_suffix=tuple(entry.get("url_suffix", ())),
        always=entry.get("always", False),
        labels=tuple(entry.get("labels", ())),
        tools=tuple(entry.get("tools", ())),
    )
