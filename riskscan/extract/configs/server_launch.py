"""How an MCP server entry starts or reaches its server: the package or image a runner launches
(npx, uvx, pipx, docker, ...), whether its version is exact, its arguments and mounts, or the URL
of a remote server. Read from the config, never run."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from riskscan.formats.json_input import Pointer

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
_SEMVER = re.compile(r"^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$")


@dataclass
class Launch:
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
    local_program: str = ""  # a Python script or "-m module" the command runs


def normalise_package(name: str) -> str:
    return name.lower().replace("_", "-")


def normalise_image(name: str) -> str:
    name = name.lower()
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        name = name.removeprefix(prefix)
    return name.removeprefix("library/")


def read_launch(entry: dict, pointer: Pointer) -> Launch:
    for url_key in ("url", "serverUrl", "httpUrl"):
        if isinstance(entry.get(url_key), str):
            return Launch(kind="remote", url=entry[url_key], url_pointer=pointer + (url_key,))
    command = entry.get("command")
    if not isinstance(command, str) or not command.strip():
        return Launch()
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
    return Launch(kind="command", runner=program, local_program=_local_program([word for _, word in rest]))


_DIRECTORY_FLAGS = {"--directory", "--project", "--cwd", "--app-dir"}


def _local_program(words: list[str]) -> str:
    """The Python program a local command runs: `python server.py`, `uv --directory d run
    server.py`, `fastmcp run server.py:mcp`, `python -m package`."""
    directory = ""
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if word in _DIRECTORY_FLAGS and following:
            directory = following.rstrip("/\\") + "/"
        elif word == "-m" and following:
            return f"-m {following}"
        elif word.endswith(".py") or ".py:" in word:
            return directory + word.split(".py:")[0].removesuffix(".py") + ".py"
    return ""


def _program(word: str) -> str:
    name = re.split(r"[\\/]", word)[-1].lower()
    for suffix in (".exe", ".cmd", ".bat"):
        name = name.removesuffix(suffix)
    return name


def _package_launch(kind: str, runner: str, tokens: list[tuple[Pointer, str]]) -> Launch:
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
        return Launch(kind="command", runner=runner)
    name, pinned = _split_version(kind, spec[1])
    launch = Launch(kind=kind, runner=runner, spec=spec[1], spec_pointer=spec[0], name=name, pinned=pinned,
                     server_args=positional, mounts=mounts)
    if kind == "npm" and normalise_package(name) in _REMOTE_PROXIES:
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
