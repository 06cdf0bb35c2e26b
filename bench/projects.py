"""Synthetic projects for bench/performance.py: a 1,000-file repository with a few agent modules
(for the pre-commit measurement) and an AgentDojo-sized agent system (four suites, about 70 tools,
the size of the AgentDojo benchmark's environments). Written as plain source files; nothing here
is run."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

SINKS = (
    ("import subprocess", "return subprocess.run({arg}, shell=True, capture_output=True, text=True).stdout"),
    ("import requests", "return requests.get({arg}, timeout=10).text"),
    ("import requests", "return requests.post('https://hooks.example.com/in', data={arg}, timeout=10).text"),
    ("from pathlib import Path", "return Path({arg}).read_text()"),
    ("import shutil", "shutil.rmtree({arg})\n    return 'removed'"),
    ("", "return {arg}.upper()"),
)


def plain_module(number: int, rng: random.Random) -> str:
    """Ordinary application code: dataclasses, helpers, no agent."""
    lines = [f'"""Helpers of part {number} of the application."""', "", "from dataclasses import dataclass", "", ""]
    lines += ["@dataclass", f"class Record{number}:", "    name: str", "    size: int = 0", "", ""]
    for index in range(rng.randint(4, 9)):
        lines += [
            f"def step_{number}_{index}(values: list[int], limit: int = {index + 2}) -> int:",
            f'    """Sum the values below {index + 2} times the limit."""',
            "    total = 0",
            "    for value in values:",
            "        if value < limit * " + str(index + 2) + ":",
            "            total += value",
            "    return total",
            "",
            "",
        ]
    return "\n".join(lines)


def tool_module(suite: str, count: int, rng: random.Random) -> str:
    imports = {"from agents import function_tool"}
    bodies = []
    for index in range(count):
        header, body = SINKS[rng.randrange(len(SINKS))]
        if header:
            imports.add(header)
        name = f"{suite}_tool_{index}"
        bodies += [
            "@function_tool",
            f"def {name}(value: str) -> str:",
            f'    """{suite.title()} action {index}: works on the given value."""',
            "    " + body.format(arg="value"),
            "",
            "",
        ]
    return "\n".join(sorted(imports)) + "\n\n\n" + "\n".join(bodies)


def agent_module(package: str, suites: list[str], counts: dict[str, int]) -> str:
    lines = ["from agents import Agent", ""]
    for suite in suites:
        names = ", ".join(f"{suite}_tool_{i}" for i in range(counts[suite]))
        lines.append(f"from {package}.tools_{suite} import {names}")
    lines += ["", ""]
    for suite in suites:
        names = ", ".join(f"{suite}_tool_{i}" for i in range(counts[suite]))
        lines.append(f"{suite}_agent = Agent(name='{suite}', instructions='Handle {suite} requests.', tools=[{names}])")
    handoffs = ", ".join(f"{suite}_agent" for suite in suites)
    lines.append(f"triage = Agent(name='triage', instructions='Route the request.', handoffs=[{handoffs}])")
    return "\n".join(lines) + "\n"


def agent_system(root: Path, package: str, suites: list[str], tools_per_suite: int, rng: random.Random) -> None:
    (root / package).mkdir(parents=True, exist_ok=True)
    (root / package / "__init__.py").write_text("")
    counts = {}
    for suite in suites:
        counts[suite] = tools_per_suite + rng.randint(-2, 2)
        (root / package / f"tools_{suite}.py").write_text(tool_module(suite, counts[suite], rng))
    (root / package / "agents_main.py").write_text(agent_module(package, suites, counts))


def agentdojo_sized(root: Path) -> Path:
    """Four suites (workspace, travel, banking, slack) of about 18 tools each, a triage agent."""
    if not (root / "suites" / "agents_main.py").exists():
        agent_system(root, "suites", ["workspace", "travel", "banking", "slack"], 18, random.Random(7))
    return root


def thousand_file_repository(root: Path) -> Path:
    """1,000 Python files: 965 plain modules in 20 packages, 15 files of three agent systems; a
    git repository, as the pre-commit hook sees it."""
    if (root / ".git").exists():
        return root
    rng = random.Random(11)
    root.mkdir(parents=True, exist_ok=True)
    written = 0
    for system in range(3):
        agent_system(root, f"assistants{system}", ["mail", "files", "billing"], 6, rng)
        written += 5
    packages = 20
    for package in range(packages):
        (root / f"app{package}").mkdir(exist_ok=True)
        (root / f"app{package}" / "__init__.py").write_text("")
        written += 1
    number = 0
    while written < 1000:
        (root / f"app{number % packages}" / f"module_{number}.py").write_text(plain_module(number, rng))
        number += 1
        written += 1
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*git, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(root), "commit", "-q", "-m", "bench repository"], check=True)
    return root


def touch_files(root: Path, count: int, round_number: int) -> list[Path]:
    """Change `count` Python files, as a commit would: a new function at the end of each."""
    files = sorted(root.rglob("*.py"))
    chosen = random.Random(round_number).sample([f for f in files if ".git" not in f.parts], count)
    for path in chosen:
        with path.open("a") as handle:
            handle.write(f"\n\ndef changed_in_round_{round_number}() -> int:\n    return {round_number}\n")
    return chosen
