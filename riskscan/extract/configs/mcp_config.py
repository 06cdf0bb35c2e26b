"""MCP client configs: Claude Desktop, Claude Code (`.mcp.json`, `~/.claude.json` with its projects),
Cursor, VS Code, Windsurf, Gemini CLI, Zed; Codex (TOML) and Continue (YAML) come through `build`.

One config file is one agent (every server of a client shares the client's model context). A server
the catalog knows becomes one tool per catalogued tool; an unknown server becomes one opaque tool
labelled by MCP's annotation defaults. Hygiene checks (secrets, pinning, filesystem roots, plain
http) run on every server entry. The commands are only read, never run.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from riskscan.extract.configs.clients import client_name
from riskscan.extract.configs.server_launch import (
    Launch,
    normalise_image,
    normalise_package,
    read_launch,
)
from riskscan.extract.configs.server_options import is_broad_root, offered_tools
from riskscan.formats.json_input import Pointer, Positions
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
    Gate,
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


@dataclass(frozen=True)
class Context:
    """One model context of a client: the servers it runs, each as (key, entry, pointer). A config
    is usually one context; `~/.claude.json` has the user's servers plus one per project."""

    suffix: str  # "" or the project, for the agent's name and id
    pointer: Pointer  # where the context is declared
    servers: tuple[tuple[str, object, Pointer], ...]


def extract(document: dict, positions: Positions, source: SourceFile, rulesets: Rulesets) -> Facts:
    """A JSON client config: Claude Desktop, Claude Code, Cursor, VS Code, Windsurf, Gemini CLI, Zed."""
    client = client_name(source.path, document)
    hygiene: list[HygieneFact] = []
    contexts = _contexts(document)
    if client == "Gemini CLI":
        contexts, hygiene = _gemini(document, contexts, positions)
    return build(source.path, "mcp-config", client, contexts, positions, rulesets, hygiene)


def build(path: str, kind: str, client: str, contexts: list[Context], positions: Positions, rulesets: Rulesets,
          hygiene: list[HygieneFact] | None = None, diagnostics: list[Diagnostic] | None = None) -> Facts:
    """Facts of any client format once its servers are read into plain entries: one agent per
    context, catalogued or opaque tools per server, hygiene facts per server entry."""
    hygiene = list(hygiene or ())
    diagnostics = list(diagnostics or ())
    catalog = _catalog(rulesets.mcp_servers)
    tools: dict[str, ToolFact] = {}
    agents = []
    read: set[Pointer] = set()
    for context in contexts:
        held: list[ToolFact] = []
        for key, entry, pointer in context.servers:
            location = positions.location(pointer)
            if not isinstance(entry, dict):
                if pointer not in read:
                    diagnostics.append(Diagnostic(location, "invalid-server", f"server `{key}` is not an object; skipped"))
                read.add(pointer)
                continue
            entry = _flatten_command(entry)
            launch = read_launch(entry, pointer)
            server = catalog.match(launch)
            if pointer not in read:
                hygiene += _hygiene(key, entry, pointer, launch, server, positions, rulesets)
            read.add(pointer)
            if entry.get("disabled") is True or entry.get("enabled") is False:
                continue
            scope = f"{pointer[1]}#" if pointer[0] == "projects" else ""  # a project's own server
            id_base = f"mcp:{path}#{scope}{key}"
            for fact in _server_tools(id_base, key, entry, launch, server, location):
                tools.setdefault(fact.id, fact)
                held.append(fact)
        name = f"{client} ({path})" if not context.suffix else f"{client} ({path}, {context.suffix})"
        agents.append(AgentFact(
            id=f"mcp-client:{path}" + (f"#{context.suffix}" if context.suffix else ""),
            name=name,
            framework=FRAMEWORK,
            location=positions.location(context.pointer),
            tools=(Items(tuple(Ref(t.id, t.location) for t in held)),),
        ))
    return Facts(
        path=path,
        kind=kind,
        tools=tuple(tools.values()),
        agents=tuple(agents),
        hygiene=tuple(hygiene),
        diagnostics=tuple(diagnostics),
    )


def _contexts(document: dict) -> list[Context]:
    contexts = []
    for key in ("mcpServers", "servers", "context_servers"):
        if isinstance(document.get(key), dict):
            contexts = [Context("", (key,), _entries(document[key], (key,)))]
            break
    else:
        nested = document.get("mcp")
        if isinstance(nested, dict) and isinstance(nested.get("servers"), dict):
            contexts = [Context("", ("mcp", "servers"), _entries(nested["servers"], ("mcp", "servers")))]
    projects = document.get("projects")
    if isinstance(projects, dict):  # ~/.claude.json: user servers plus each project's own
        user = contexts[0].servers if contexts else ()
        for project, settings in sorted(projects.items()):
            servers = settings.get("mcpServers") if isinstance(settings, dict) else None
            if isinstance(servers, dict) and servers:
                pointer = ("projects", project, "mcpServers")
                contexts.append(Context(project, ("projects", project), user + _entries(servers, pointer)))
    return contexts


def _entries(servers: dict, pointer: Pointer) -> tuple[tuple[str, object, Pointer], ...]:
    return tuple((key, entry, pointer + (key,)) for key, entry in servers.items())


def _flatten_command(entry: dict) -> dict:
    """Zed's older form nests the program: `"command": {"path": ..., "args": [...], "env": {...}}`."""
    command = entry.get("command")
    if isinstance(command, dict):
        return {**entry, "command": command.get("path"), "args": command.get("args", []), "env": command.get("env", {})}
    return entry


def _gemini(document: dict, contexts: list[Context], positions: Positions) -> tuple[list[Context], list[HygieneFact]]:
    """Gemini CLI: `mcp.allowed` / `mcp.excluded` pick servers; `trust: true` skips every
    confirmation of a server's tools."""
    settings = document.get("mcp") if isinstance(document.get("mcp"), dict) else {}
    allowed = settings.get("allowed") if isinstance(settings.get("allowed"), list) else None
    excluded = settings.get("excluded") if isinstance(settings.get("excluded"), list) else []
    hygiene = []
    kept = []
    for key, entry, pointer in contexts[0].servers:
        if (allowed is not None and key not in allowed) or key in excluded:
            continue
        kept.append((key, entry, pointer))
        if isinstance(entry, dict) and entry.get("trust") is True:
            hygiene.append(HygieneFact("approvals-disabled", positions.location(pointer + ("trust",)), key,
                                       "`trust: true` runs every tool of this server without asking for confirmation"))
    return [Context("", contexts[0].pointer, tuple(kept))], hygiene


def has_servers(document: dict) -> bool:
    """Whether a client's settings file declares MCP servers too (Gemini CLI `mcpServers`, VS Code
    `mcp.servers`)."""
    nested = document.get("mcp")
    return isinstance(document.get("mcpServers"), dict) or (isinstance(nested, dict) and isinstance(nested.get("servers"), dict))


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


def remote_server(url: str, rulesets: Rulesets) -> McpServer | None:
    """The catalogued server at a remote URL, for MCP servers named in code as well."""
    return _catalog(rulesets.mcp_servers).match(Launch(kind="remote", url=url))


# --- tool facts -----------------------------------------------------------------------------------


def server_tool_facts(id_base: str, key: str, entry: dict, location: Location, rulesets: Rulesets) -> list[ToolFact]:
    """The tools of one server entry written in code rather than a client config (`{"command",
    "args"}` or `{"url"}`, with `includeTools`/`excludeTools` for a tool filter): the catalogued
    server's tools, or one opaque tool whose `launches` names a program of the project."""
    launch = read_launch(entry, ())
    return _server_tools(id_base, key, entry, launch, _catalog(rulesets.mcp_servers).match(launch), location)


def _server_tools(id_base: str, key: str, entry: dict, launch: Launch, server: McpServer | None,
                  location: Location) -> list[ToolFact]:
    """The tools one server entry gives its client: the catalogued ones after the server's options
    and the client's include/exclude lists, or one opaque tool (one per included name)."""
    include, exclude = _tool_filters(entry)
    gates = (Gate("sandbox", f"{key}: `sandboxEnabled` runs the server in the client's sandbox", location),) \
        if entry.get("sandboxEnabled") is True else ()
    if server is None:
        opaque = _opaque_tool(id_base, key, launch, location)
        if include is None:
            return [replace(opaque, gates=gates)]
        names = [name for name in include if name not in exclude]
        return [replace(opaque, id=f"{id_base}/{name}", name=name, gates=gates) for name in names]
    offered = offered_tools(server, launch, entry, location)
    facts = []
    for name, tool_labels, description in offered.tools:
        if (include is not None and name not in include) or name in exclude:
            continue
        detail = f"{server.title}: {name} ({server.source})" + "".join(f"; {note}" for note in offered.notes)
        evidence = (Evidence("known-server", detail, location),)
        facts.append(ToolFact(
            id=f"{id_base}/{name}",
            name=name,
            framework=FRAMEWORK,
            location=location,
            description=description,
            server=server.id,
            capabilities=tuple(Capability(label, CONFIDENCE_CATALOG, evidence) for label in tool_labels),
            gates=tuple(sorted(set(offered.gates + gates))),
        ))
    return facts


def _tool_filters(entry: dict) -> tuple[list[str] | None, set[str]]:
    """Which tools a client keeps: Gemini CLI `includeTools`/`excludeTools`, Codex
    `enabled_tools`/`disabled_tools`. An exclusion wins over an inclusion, as in both clients."""
    include = None
    exclude: set[str] = set()
    for key in ("includeTools", "enabled_tools"):
        if isinstance(entry.get(key), list):
            include = [name for name in entry[key] if isinstance(name, str)]
    for key in ("excludeTools", "disabled_tools"):
        if isinstance(entry.get(key), list):
            exclude |= {name for name in entry[key] if isinstance(name, str)}
    return include, exclude


def _opaque_tool(id_base: str, key: str, launch: Launch, location: Location) -> ToolFact:
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
        id=f"{id_base}/*",
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
            if is_broad_root(folder):
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
    for url_key in ("url", "serverUrl", "httpUrl", "command"):
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


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in ("localhost", "0.0.0.0", "host.docker.internal") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
