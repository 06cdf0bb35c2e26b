"""MCP client configs: Claude Desktop, Claude Code, Cursor, VS Code, Windsurf.

One config file is one agent (every server of a client shares the client's model context). A server
the catalog knows becomes one tool per catalogued tool; an unknown server becomes one opaque tool
labelled by MCP's annotation defaults. Hygiene checks (secrets, pinning, filesystem roots, plain
http) run on every server entry. The commands are only read, never run.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from riskscan.extract.json_input import Pointer, Positions
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

_NPX_LIKE = {"npx", "bunx", "pnpx"}
_DLX_PARENTS = {"pnpm": {"dlx"}, "yarn": {"dlx"}, "bun": {"x"}, "npm": {"exec", "x"}}
_VALUE_FLAGS = {
    "npm": {"-p", "--package", "-c", "--call", "--registry", "--cache", "--userconfig"},
    "pypi": {"--from", "--with", "--with-requirements", "--python", "-p", "--index", "--index-url",
             "--extra-index-url", "--spec", "--pip-args", "--env-file", "-c", "--constraints"},
    "docker": {"-e", "--env", "--env-file", "-v", "--volume", "--mount", "--name", "-p", "--publish",
               "-w", "--workdir", "--network", "--net", "-u", "--user", "--entrypoint", "--platform",
               "-l", "--label", "--add-host", "--cpus", "-m", "--memory", "--pull", "-h", "--hostname",
               "--cap-add", "--cap-drop", "--device", "--security-opt", "--tmpfs", "--ulimit", "--gpus",
               "--restart", "--runtime", "--shm-size", "--ipc", "--pid", "--dns", "--log-driver", "--log-opt"},
}
_PACKAGE_FLAGS = {"-p", "--package", "--from", "--spec"}
_REMOTE_PROXIES = {"mcp-remote"}
_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")  # docker -e NAME=value
_SEMVER = re.compile(r"^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$")
_BROAD_ROOTS = re.compile(
    r"^(?:/|~|\$HOME|\$\{HOME\}|\$\{env:HOME\}|\$\{userHome\}|%USERPROFILE%|\$\{env:USERPROFILE\}|/root"
    r"|/home(?:/[^/]+)?|/Users(?:/[^/]+)?|[A-Za-z]:|[A-Za-z]:/Users(?:/[^/]+)?)$"
)


@dataclass
class _Launch:
    """How a server entry starts or reaches its server, as far as the config says."""

    kind: str = "none"  # npm | pypi | docker | remote | command | none
    runner: str = ""  # npx, uvx, docker, ...
    spec: str = ""  # the package or image as written
    spec_pointer: Pointer = ()
    name: str = ""  # the package or image without its version
    pinned: bool = True
    url: str = ""
    url_pointer: Pointer = ()
    server_args: list[tuple[Pointer, str]] = field(default_factory=list)
    mounts: list[tuple[Pointer, str]] = field(default_factory=list)


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
        launch = _launch(entry, pointer)
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
        self.packages = {_normalise_package(p): s for s in servers for p in s.packages}
        self.images = {_normalise_image(i): s for s in servers for i in s.images}
        self.urls = sorted(((u.lower().rstrip("/"), s) for s in servers for u in s.urls), key=lambda x: -len(x[0]))

    def match(self, launch: _Launch) -> McpServer | None:
        if launch.url:
            url = launch.url.lower().rstrip("/")
            return next((s for prefix, s in self.urls if url == prefix or url.startswith(prefix + "/")
                         or (prefix.endswith("/") and url.startswith(prefix))), None)
        if launch.kind in ("npm", "pypi"):
            return self.packages.get(_normalise_package(launch.name))
        if launch.kind == "docker":
            return self.images.get(_normalise_image(launch.name))
        return None


@lru_cache(maxsize=8)
def _catalog(servers: tuple[McpServer, ...]) -> _Catalog:
    return _Catalog(servers)


def _normalise_package(name: str) -> str:
    return name.lower().replace("_", "-")


def _normalise_image(name: str) -> str:
    name = name.lower()
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        name = name.removeprefix(prefix)
    return name.removeprefix("library/")


# --- reading the launch command ------------------------------------------------------------------


def _launch(entry: dict, pointer: Pointer) -> _Launch:
    for url_key in ("url", "serverUrl"):
        if isinstance(entry.get(url_key), str):
            return _Launch(kind="remote", url=entry[url_key], url_pointer=pointer + (url_key,))
    command = entry.get("command")
    if not isinstance(command, str) or not command.strip():
        return _Launch()
    tokens: list[tuple[Pointer, str]] = [(pointer + ("command",), word) for word in command.split()]
    args = entry.get("args") if isinstance(entry.get("args"), list) else []
    tokens += [(pointer + ("args", i), a) for i, a in enumerate(args) if isinstance(a, str)]
    program = _program(tokens[0][1])
    if program == "cmd" and len(tokens) > 1 and tokens[1][1].lower() == "/c":
        tokens = tokens[2:]
        program = _program(tokens[0][1]) if tokens else ""
    rest = tokens[1:]
    if program in _DLX_PARENTS and rest and rest[0][1] in _DLX_PARENTS[program]:
        program, rest = f"{program} {rest[0][1]}", rest[1:]
    if program == "uv" and len(rest) > 1 and rest[0][1] == "tool" and rest[1][1] == "run":
        program, rest = "uv tool run", rest[2:]
    if program == "pipx" and rest and rest[0][1] == "run":
        program, rest = "pipx run", rest[1:]
    if program in ("docker", "podman") and rest and rest[0][1] == "run":
        return _package_launch("docker", program, rest[1:])
    if program in _NPX_LIKE or program.split(" ")[0] in _DLX_PARENTS and " " in program:
        return _package_launch("npm", program, rest)
    if program in ("uvx", "uv tool run", "pipx run"):
        return _package_launch("pypi", program, rest)
    return _Launch(kind="command", runner=program)


def _program(word: str) -> str:
    name = re.split(r"[\\/]", word)[-1].lower()
    for suffix in (".exe", ".cmd", ".bat"):
        name = name.removesuffix(suffix)
    return name


def _package_launch(kind: str, runner: str, tokens: list[tuple[Pointer, str]]) -> _Launch:
    value_flags = _VALUE_FLAGS[kind]
    spec: tuple[Pointer, str] | None = None
    positional: list[tuple[Pointer, str]] = []
    mounts: list[tuple[Pointer, str]] = []
    i = 0
    while i < len(tokens):
        where, word = tokens[i]
        flag, _, inline = word.partition("=")
        if word == "--":
            i += 1
            continue
        if word.startswith("-") and not positional:
            value = (where, inline) if inline else (tokens[i + 1] if flag in value_flags and i + 1 < len(tokens) else None)
            if flag in _PACKAGE_FLAGS and value and kind != "docker" and spec is None:
                spec = value
            if kind == "docker" and value and flag in ("-v", "--volume", "--mount"):
                mounts.append((value[0], _mount_source(flag, value[1])))
            i += 1 if inline or flag not in value_flags else 2
            continue
        positional.append((where, word))
        i += 1
    if spec is None and positional:
        spec, positional = positional[0], positional[1:]
    if spec is None:
        return _Launch(kind="command", runner=runner)
    name, pinned = _split_version(kind, spec[1])
    launch = _Launch(kind=kind, runner=runner, spec=spec[1], spec_pointer=spec[0], name=name, pinned=pinned,
                     server_args=positional, mounts=mounts)
    if kind == "npm" and _normalise_package(name) in _REMOTE_PROXIES:
        remote = next(((w, a) for w, a in positional if a.startswith(("http://", "https://"))), None)
        if remote:
            launch.url, launch.url_pointer = remote[1], remote[0]
    return launch


def _mount_source(flag: str, value: str) -> str:
    if flag == "--mount":
        parts = dict(p.partition("=")[::2] for p in value.split(","))
        return parts.get("src") or parts.get("source") or ""
    return value.split(":")[0] if not re.match(r"^[A-Za-z]:[\\/]", value) else value[:2] + value[2:].split(":")[0]


def _split_version(kind: str, spec: str) -> tuple[str, bool]:
    """The package or image name without its version, and whether the version is exact."""
    if kind == "docker":
        if "@sha256:" in spec:
            return spec.split("@", 1)[0], True
        slash = spec.rfind("/")
        colon = spec.rfind(":")
        if colon > slash:
            return spec[:colon], spec[colon + 1:] != "latest"
        return spec, False
    if kind == "npm":
        at = spec.find("@", 1)
        if at < 0:
            return spec, False
        return spec[:at], bool(_SEMVER.match(spec[at + 1:]))
    if spec.startswith("git+"):
        return spec, bool(re.search(r"@[0-9a-f]{7,40}$", spec))
    base = re.split(r"[=<>!~@\[;]", spec, maxsplit=1)[0].strip()
    if "==" in spec:
        return base, "*" not in spec and not re.search(r",|[<>!~]", spec)
    if "@" in spec:
        return base, bool(_SEMVER.match(spec.split("@", 1)[1]))
    return base, False


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


def _opaque_tool(path: str, key: str, launch: _Launch, location: Location) -> ToolFact:
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
    )


# --- hygiene --------------------------------------------------------------------------------------


def _hygiene(key: str, entry: dict, pointer: Pointer, launch: _Launch, server: McpServer | None,
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
