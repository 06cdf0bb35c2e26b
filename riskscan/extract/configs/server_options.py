"""Server arguments that change what a catalogued MCP server can do: a read-only flag, an origin
allowlist, the folders a filesystem server may touch, a tool switched off by default. The catalog
names them (`options` of a server in rulesets/mcp_servers.yaml); this module checks which apply to
one server entry of a client config, from its arguments, environment and URL. Read, never run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from riskscan.extract.configs.server_launch import Launch
from riskscan.rulesets import McpServer, ServerOption
from riskscan.types import (
    CODE_EXEC,
    CREDENTIAL_CHANGE,
    DB_WRITE,
    EXTERNAL_SEND,
    FINANCIAL,
    FS_DELETE,
    FS_WRITE,
    PRIVATE_DATA,
    SECRET_READ,
    Gate,
    Location,
)

_BROAD_ROOTS = re.compile(
    r"^(?:/|~|\$HOME|\$\{HOME\}|\$\{env:HOME\}|\$\{userHome\}|%USERPROFILE%|\$\{env:USERPROFILE\}|/root"
    r"|/home(?:/[^/]+)?|/Users(?:/[^/]+)?|[A-Za-z]:|[A-Za-z]:/Users(?:/[^/]+)?)$"
)

# What a read-only mode takes away: every label that changes or sends something.
WRITE_LABELS = frozenset({EXTERNAL_SEND, FS_WRITE, FS_DELETE, DB_WRITE, FINANCIAL, CREDENTIAL_CHANGE, CODE_EXEC})


@dataclass(frozen=True)
class ServerTools:
    """The tools a server entry really offers, with the labels left after its options."""

    tools: tuple[tuple[str, tuple[str, ...], str], ...]  # (name, labels, catalog description)
    gates: tuple[Gate, ...]
    notes: tuple[str, ...]  # what the options changed, for the evidence


def offered_tools(server: McpServer, launch: Launch, entry: dict, location: Location) -> ServerTools:
    dropped_labels: set[str] = set()
    dropped_tools: set[str] = set()
    reads_secrets = False
    gates: list[Gate] = []
    notes: list[str] = []
    for option in server.options:
        trigger = _trigger(option, launch, entry)
        if trigger is None:
            continue
        if option.effect == "roots":
            folders = [folder for _, folder in launch.server_args if not folder.startswith("-")]
            folders += [folder for _, folder in launch.mounts]
            if folders:
                notes.append("allowed folders: " + ", ".join(folders))
            broad = [folder for folder in folders if is_broad_root(folder)]
            if broad:
                notes.append(f"`{broad[0]}` holds where secrets are kept (~/.ssh, ~/.aws, .env files): its reads read secrets")
                reads_secrets = True
            continue
        notes.append(f"{trigger}: {option.note}")
        if option.effect == "read-only":
            dropped_labels |= WRITE_LABELS
        elif option.effect == "drop-labels":
            dropped_labels |= set(option.labels)
        elif option.effect == "drop-tools":
            dropped_tools |= set(option.tools)
        elif option.effect in ("allowlist", "sandbox"):
            gates.append(Gate(option.effect, f"{server.title}: {trigger}: {option.note}", location))
    tools = tuple(
        (tool.name, _labels(tool.labels, dropped_labels, reads_secrets), tool.description)
        for tool in server.tools
        if tool.name not in dropped_tools
    )
    return ServerTools(tools, tuple(gates), tuple(notes))


def _labels(labels: tuple[str, ...], dropped: set[str], reads_secrets: bool) -> tuple[str, ...]:
    kept = tuple(label for label in labels if label not in dropped)
    return kept + (SECRET_READ,) if reads_secrets and PRIVATE_DATA in kept and SECRET_READ not in kept else kept


def _trigger(option: ServerOption, launch: Launch, entry: dict) -> str | None:
    """What in the entry switches the option on, as a short phrase; None when nothing does."""
    if option.always:
        return "always"
    args = [word for _, word in launch.server_args]
    env = entry.get("env") if isinstance(entry.get("env"), dict) else {}
    for flag in option.flags:
        words = flag.split(" ")
        if any(args[i:i + len(words)] == words for i in range(len(args))):
            return f"`{flag}`"
        if len(words) == 1 and any(arg.startswith(flag + "=") for arg in args):
            return f"`{flag}`"
    for name, value in option.env:
        if str(env.get(name, "")).strip().lower() == value.lower():
            return f"env {name}={value}"
    for name in option.env_present:
        if str(env.get(name, "")).strip():
            return f"env {name}"
    if option.env_absent and not any(str(env.get(name, "")).strip() for name in option.env_absent):
        return f"no {' / '.join(option.env_absent)} in env"
    if launch.url:
        parts = urlsplit(launch.url)
        query = dict(parse_qsl(parts.query))
        for name, value in option.url_query:
            if query.get(name, "").lower() == value.lower():
                return f"URL query {name}={value}"
        for suffix in option.url_suffix:
            if parts.path.rstrip("/").endswith(suffix):
                return f"URL path {suffix}"
    return None


def is_broad_root(folder: str) -> bool:
    """The filesystem root or a home folder (`/`, `~`, `$HOME`, `/Users/alice`, `C:`): where secrets are kept."""
    normalised = folder.strip().strip("'\"").replace("\\", "/")
    if len(normalised) > 1:
        normalised = normalised.rstrip("/")
    return bool(_BROAD_ROOTS.match(normalised))
