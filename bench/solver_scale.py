"""How the solve stage scales: random sparse systems of growing size, time per rule.

    python bench/solver_scale.py [--sizes 100,300,1000] [--timeout-ms 2000] [--repeat 3]

Each agent holds 10 tools and hands off to 4 others; 5% of tools carry one label; 20% of
holdings, handoffs and agents carry a condition. Not a test: prints a table. "build" is the
capability graph's construction; Z3 is loaded (with its shared context) once, before the rows.
With --repeat N, every time is the best of N runs (on a shared machine, the others' load only
ever adds time).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout, not an installed riskscan

from riskscan import graph
from riskscan.rulesets import load
from riskscan.solve import backend, solve
from riskscan.solve.cone import prune
from riskscan.types import (
    Agent,
    Atom,
    Capability,
    Handoff,
    Holding,
    Location,
    SystemModel,
    Tool,
)

LABELS = ["untrusted_input", "private_data", "external_send", "code_exec"]
VARIABLES = [f"env.FLAG{i}" for i in range(6)]


def random_system(seed: int, agents: int) -> SystemModel:
    rng = random.Random(seed)

    def condition():
        if rng.random() < 0.2:
            return (Atom(rng.choice(VARIABLES), rng.choice([None, "1", "2"]), rng.random() < 0.5),)
        return ()

    tools = [
        Tool(
            f"t{i}",
            f"t{i}",
            "bench",
            Location("tools.py", i),
            capabilities=(Capability(rng.choice(LABELS), 0.9),) if rng.random() < 0.05 else (),
        )
        for i in range(agents * 10)
    ]
    all_agents = []
    for i in range(agents):
        holdings = tuple(Holding(t.id, Location("agents.py", i), condition()) for t in rng.sample(tools, 10))
        handoffs = tuple(
            Handoff(f"a{j}", "handoff", Location("agents.py", i), condition())
            for j in rng.sample(range(agents), 4)
            if j != i
        )
        all_agents.append(Agent(f"a{i}", f"a{i}", "bench", Location("agents.py", i), holdings, handoffs, condition()))
    return SystemModel("/bench", tuple(all_agents), tuple(tools))


def best_of(runs: int, work):
    """The fewest seconds `work` took in `runs` runs, and what it returned."""
    times = []
    for _ in range(max(runs, 1)):
        started = time.monotonic()
        value = work()
        times.append(time.monotonic() - started)
    return min(times), value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,300,1000")
    parser.add_argument("--timeout-ms", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=1, help="report the best of this many runs of each timing")
    arguments = parser.parse_args()
    rules = [rule for rule in load().rules if rule.kind == "path"]
    started = time.monotonic()
    backend.shared_context()
    print(f"z3 loaded with its shared context in {time.monotonic() - started:.2f} s")
    print(f"{'agents':>7} {'tools':>6} {'actions':>8} {'build s':>8} {'rule':>6} {'cone':>6} {'first s':>8} {'paths':>6} {'seconds':>8}  notes")
    for size in (int(s) for s in arguments.sizes.split(",")):
        model = random_system(1, size)
        build, capability_graph = best_of(arguments.repeat, lambda: graph.build(model))
        actions = graph.actions(capability_graph)
        for rule in rules:
            cone = prune(actions, rule, 6)
            first, _ = best_of(arguments.repeat, lambda: solve(capability_graph, [rule], max_paths=1, timeout_ms=arguments.timeout_ms))
            seconds, result = best_of(arguments.repeat, lambda: solve(capability_graph, [rule], timeout_ms=arguments.timeout_ms))
            cone_size = len(cone.actions) if cone else 0
            print(
                f"{size:>7} {size * 10:>6} {len(actions):>8} {build:>8.2f} {rule.id:>6} {cone_size:>6} {first:>8.2f} {len(result.paths):>6} {seconds:>8.2f}"
                f"  {'; '.join(result.notes)}"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
