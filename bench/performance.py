"""How fast riskscan is, against bandit and semgrep, on real framework sources (a script, not a
timed test: run it on a quiet machine and read the ratios).

    python bench/performance.py                 # everything, 3 runs each
    python bench/performance.py --runs 5 --only full
    python bench/performance.py --only precommit,help,agentdojo

It downloads pinned sdists of five agent frameworks with pip into the cache folder (never
committed), installs bandit and semgrep in a virtual environment of their own there, and runs the
three tools over the same folder in alternation, each with its defaults: riskscan cold (no cache;
test code not read, as semgrep's defaults do not read test folders), riskscan --include-tests (the
files bandit reads), bandit (`-r`, JSON), semgrep (offline, bench/semgrep-rules.yml, --metrics=off). It reports medians, the peak resident
memory of the largest process of each run (for riskscan: the main process or a worker), and the
ratios. Then: an AgentDojo-sized agent system, a pre-commit run after 10 changed files in a
1,000-file repository (cold cache and warm), and `riskscan --help`.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import projects  # noqa: E402

PACKAGES = ("langchain-community==0.4.2", "crewai==1.15.30", "openai-agents==0.24.0", "smolagents==1.26.0", "autogen-agentchat==0.7.5")
PEERS = ("bandit==1.9.4", "semgrep==1.185.0")
RISKSCAN = [sys.executable, "-c", "import sys; from riskscan.cli import run; sys.exit(run())"]  # what the console script does


def run(command: list[str], env: dict | None = None, accept=(0, 1)) -> tuple[float, int]:
    """Wall seconds and the peak resident memory (KiB) of the largest process of the run."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = code = os.waitstatus_to_exitcode(status)
        if code not in accept:
            errors.seek(0)
            raise SystemExit(f"{command[0]} exited {code}: {errors.read().decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_maxrss


def riskscan_env(cache: Path | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    if cache is not None:
        env["RISKSCAN_CACHE_DIR"] = str(cache)
    return env


def corpus(cache: Path) -> Path:
    folder = cache / "corpus"
    if folder.exists() and len(list(folder.iterdir())) == len(PACKAGES):
        return folder
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    for package in PACKAGES:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", "-d", str(downloads), package], check=True)
    folder.mkdir(exist_ok=True)
    for archive in sorted(downloads.glob("*.tar.gz")):
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
    return folder


def peers(cache: Path) -> Path:
    venv = cache / "tools-venv"
    if not (venv / "bin" / "semgrep").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", *PEERS], check=True)
    return venv / "bin"


def median(values: list[float]) -> float:
    return statistics.median(values)


def full_scan(cache: Path, runs: int) -> list[str]:
    folder = corpus(cache)
    tools = peers(cache)
    files = list(folder.rglob("*.py"))
    lines = sum(path.read_bytes().count(b"\n") for path in files)
    # each tool with its defaults: riskscan and semgrep leave test folders out (riskscan also pytest's
    # test modules elsewhere), bandit reads everything; riskscan --include-tests reads what bandit reads
    riskscan = [*RISKSCAN, "scan", str(folder), "--no-cache", "-q", "--format", "json", "-o", os.devnull]
    commands = {
        "riskscan": (riskscan, riskscan_env()),
        "riskscan --include-tests": ([*riskscan, "--include-tests"], riskscan_env()),
        "bandit": ([str(tools / "bandit"), "-r", str(folder), "-f", "json", "-o", os.devnull, "-q"], None),
        "semgrep": ([str(tools / "semgrep"), "scan", "--config", str(HERE / "semgrep-rules.yml"), "--metrics=off", "--disable-version-check",
                     "--json", "-o", os.devnull, "--quiet", str(folder)], dict(os.environ, SEMGREP_SEND_METRICS="off")),
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    memory: dict[str, list[int]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (command, env) in commands.items():  # alternating, so that drift hits all three alike
            elapsed, peak = run(command, env)
            times[name].append(elapsed)
            memory[name].append(peak)
    ours = median(times["riskscan"])
    out = [f"Five framework sdists ({', '.join(PACKAGES)}): {len(files):,} Python files, {lines:,} lines; {runs} runs each, medians.", "",
           "| tool | median (s) | runs (s) | peak memory of the largest process (MiB) | riskscan / tool |", "| --- | ---: | --- | ---: | ---: |"]
    everything = median(times["riskscan --include-tests"])
    for name in commands:
        runs_text = ", ".join(f"{t:.1f}" for t in times[name])
        ratio = "" if name.startswith("riskscan") else f"{ours / median(times[name]):.2f}"
        if name == "bandit":
            ratio += f" ({everything / median(times[name]):.2f} with --include-tests)"
        out.append(f"| {name} | {median(times[name]):.1f} | {runs_text} | {max(memory[name]) / 1024:.0f} | {ratio} |")
    return out


def agentdojo(cache: Path, runs: int) -> list[str]:
    project = projects.agentdojo_sized(cache / "agentdojo-sized")
    tools = sum(path.read_text().count("@function_tool") for path in project.rglob("*.py"))
    cold, warm = [], []
    for number in range(runs):
        folder = Path(tempfile.mkdtemp(prefix="riskscan-bench-cache-"))
        command = [*RISKSCAN, "scan", str(project), "-q", "--format", "json", "-o", os.devnull]
        cold.append(run(command, riskscan_env(folder))[0])
        warm.append(run(command, riskscan_env(folder))[0])
    return [f"| AgentDojo-sized system ({tools} tools, 5 agents), cold cache | {median(cold):.2f} s |",
            f"| the same, warm cache | {median(warm):.2f} s |"]


def precommit(cache: Path, runs: int) -> list[str]:
    repository = projects.thousand_file_repository(cache / "precommit-repo")
    command = [*RISKSCAN, "scan", str(repository), "-q", "--format", "json", "-o", os.devnull]
    cold, warm = [], []
    for number in range(runs):
        folder = Path(tempfile.mkdtemp(prefix="riskscan-bench-cache-"))
        projects.touch_files(repository, 10, 1000 + number)
        cold.append(run(command, riskscan_env(folder))[0])
        for round_number in range(3):
            projects.touch_files(repository, 10, 100 * number + round_number)
            warm.append(run(command, riskscan_env(folder))[0])
    subprocess.run(["git", "-C", str(repository), "checkout", "-q", "--", "."], check=True)
    return [f"| pre-commit: 10 changed files in a 1,000-file repository, cold cache (p50 of {len(cold)}) | {median(cold):.2f} s |",
            f"| the same, warm cache (p50 of {len(warm)}) | {median(warm):.2f} s |"]


def help_time(runs: int) -> list[str]:
    times = [run([*RISKSCAN, "--help"], riskscan_env(), accept=(0,))[0] for _ in range(max(runs, 10))]
    bare = [run([sys.executable, "-c", "pass"], None, accept=(0,))[0] for _ in range(max(runs, 10))]
    return [f"| `riskscan --help` (p50 of {len(times)}) | {median(times):.3f} s |", f"| a bare `python -c pass`, for scale | {median(bare):.3f} s |"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "riskscan-bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="full,agentdojo,precommit,help", help="comma list of: full, agentdojo, precommit, help")
    args = parser.parse_args()
    chosen = set(args.only.split(","))
    args.cache.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}\n")
    if "full" in chosen:
        print("\n".join(full_scan(args.cache, args.runs)), "\n", flush=True)
    rows = ["| measurement | time |", "| --- | ---: |"]
    if "agentdojo" in chosen:
        rows += agentdojo(args.cache, args.runs)
    if "precommit" in chosen:
        rows += precommit(args.cache, args.runs)
    if "help" in chosen:
        rows += help_time(args.runs)
    if len(rows) > 2:
        print("\n".join(rows))


if __name__ == "__main__":
    main()
