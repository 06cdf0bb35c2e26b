"""`riskscan probe CONFIG`: start the stdio MCP servers of one client config, on request only, one
at a time, and save what each says about its tools (`initialize`, then `tools/list`) as a manifest
that `scan` and `lock` read. Each server runs without a shell, with a time limit, and with an
environment that holds only PATH and what the config's `env` names (references such as `${TOKEN}`
are filled from the caller's environment, never written out). The official `mcp` SDK is an
optional dependency (`pip install 'riskscan[probe]'`), imported only here.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from riskscan.files import make_folders_inside, read_bounded, write_new_or_replace
from riskscan.files.surrogates import writable
from riskscan.formats.json_input import JsonSyntaxError, parse
from riskscan.secrets import redact

PROBE_DIR = ".riskscan/probe"
SAFE_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
_REFERENCE = re.compile(r"\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


class ProbeError(Exception):
    """The config cannot be probed (unreadable, no such server, SDK missing)."""


@dataclass(frozen=True)
class Probed:
    server: str
    status: str  # ok | timeout | failed | skipped
    detail: str  # the manifest written, or why not (secrets redacted)


def servers_of(config: Path) -> dict[str, dict]:
    try:
        document, _ = parse(read_bounded(config).decode("utf-8-sig"), str(config))
    except (OSError, UnicodeDecodeError) as error:
        raise ProbeError(f"{config}: cannot read: {error}") from error
    except JsonSyntaxError as error:
        raise ProbeError(f"{config}:{error.line}:{error.column}: {error}") from error
    if isinstance(document, dict):
        for key in ("mcpServers", "servers", "context_servers"):
            if isinstance(document.get(key), dict):
                return {k: v for k, v in document[key].items() if isinstance(v, dict)}
    raise ProbeError(f"{config}: no MCP servers in this file (mcpServers, servers, context_servers)")


def environment(entry: dict, outer: dict[str, str] | None = None) -> dict[str, str]:
    """PATH plus the entry's own env, references filled from `outer` (the caller's environment)."""
    outer = os.environ if outer is None else outer
    env = {"PATH": outer.get("PATH", os.defpath)}
    for name, value in (entry.get("env") or {}).items():
        if isinstance(value, str):
            env[name] = _REFERENCE.sub(lambda m: outer.get(m.group(1) or m.group(2), ""), value)
    return env


def probe(config: str, root: str = ".", server: str | None = None, timeout: float = 30.0) -> list[Probed]:
    try:
        import anyio
        import mcp  # noqa: F401
    except ImportError as error:
        raise ProbeError("the probe needs the MCP SDK: pip install 'riskscan[probe]'") from error
    config_path = Path(config)
    servers = servers_of(config_path)
    if server is not None and server not in servers:
        raise ProbeError(f"{config}: no server named `{server}` (there are: {', '.join(sorted(servers)) or 'none'})")
    relative = os.path.relpath(config_path.resolve(), Path(root).resolve()).replace(os.sep, "/")
    results = []
    for key in sorted(servers):
        if server is not None and key != server:
            continue
        entry = servers[key]
        if not isinstance(entry.get("command"), str):
            results.append(Probed(key, "skipped", "not a stdio server (remote servers are not probed)"))
            continue
        try:
            tools = anyio.run(_list_tools, entry, timeout)
        except TimeoutError:
            results.append(Probed(key, "timeout", f"no answer to initialize and tools/list within {timeout:g}s"))
            continue
        except Exception as error:  # a server that fails is reported, not fatal
            results.append(Probed(key, "failed", redact_all(f"{type(error).__name__}: {error}", entry)))
            continue
        target = manifest_path(root, relative, key)
        document = {"probe": {"config": relative, "server": key}, "tools": tools}
        try:  # the probe folder inside the root, the manifest inside the probe folder
            folder = make_folders_inside(root, Path(root) / PROBE_DIR)
            text = writable(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))  # a lone surrogate as its escape
            write_new_or_replace(target, text + "\n", inside=folder)
        except OSError as error:
            raise ProbeError(f"cannot write {error.filename or target}: {error.strerror}") from error
        results.append(Probed(key, "ok", f"{len(tools)} tools -> {target.as_posix()}"))
    return results


def manifest_path(root: str, config: str, server: str) -> Path:
    """Where the tools of `server` of `config` (relative to the root) are saved:
    ROOT/.riskscan/probe/CONFIG/SERVER.json, each part a plain file name (file_name)."""
    return Path(root) / PROBE_DIR / file_name(config.replace("/", "__")) / f"{file_name(server)}.json"


def file_name(name: str) -> str:
    """`name` itself when it is a plain file name (letters, digits, `._-`, not `.` or `..`, at most
    100 characters); otherwise a slug of it and a hash of the whole name, so that a server named
    `../../x`, `/etc/x` or `a\0b` by a config stays one file inside the probe folder."""
    if SAFE_NAME.fullmatch(name) and name not in (".", ".."):
        return name
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60] or "server"
    return f"{slug}-{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"


async def _list_tools(entry: dict, timeout: float) -> list[dict]:
    import anyio
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    args = [a for a in entry.get("args") or [] if isinstance(a, str)]
    parameters = StdioServerParameters(command=entry["command"], args=args, env=environment(entry),
                                       cwd=entry.get("cwd") if isinstance(entry.get("cwd"), str) else None)
    with anyio.fail_after(timeout):
        with open(os.devnull, "w") as quiet:
            async with stdio_client(parameters, errlog=quiet) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    tools, cursor = [], None
                    while True:
                        page = await (session.list_tools(cursor=cursor) if cursor else session.list_tools())
                        tools += [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in page.tools]
                        cursor = getattr(page, "next_cursor", None) or getattr(page, "nextCursor", None)
                        if not cursor:
                            return tools


def redact_all(text: str, entry: dict) -> str:
    """The message with every env value of the entry redacted."""
    for value in (entry.get("env") or {}).values():
        if isinstance(value, str) and len(value) >= 4 and value in text:
            text = text.replace(value, redact(value))
    return text
