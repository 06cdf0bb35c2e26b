"""Same input, same bytes out, whatever the hash seed: two processes with different
PYTHONHASHSEED values render byte-identical text, JSON and SARIF for the bundled example, the
bad-input corpus (diagnostics of every kind) and a trace. (Worker counts and cache states are
checked where the reading pipeline is tested.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CHECKOUT = Path(__file__).parents[1]
RENDER = """
import sys
from riskscan.report import render
from riskscan.scan import scan
from riskscan.trace import AUTOMATION_ID, check_traces
from riskscan.types import Config

config = Config(cache=False, workers=1)
for folder in ("examples/support-desk", "fixtures/bad-inputs"):
    report = scan(folder, config)
    for fmt in ("text", "json", "sarif"):
        sys.stdout.write(render(report, fmt))
traced = check_traces(["fixtures/traces/openai/injected.jsonl"], scan("fixtures/traces/mail-assistant", config))
sys.stdout.write(render(traced, "json") + render(traced, "sarif", automation_id=AUTOMATION_ID))
"""


def rendered(seed: str) -> str:
    environment = {**os.environ, "PYTHONHASHSEED": seed}
    result = subprocess.run([sys.executable, "-c", RENDER], capture_output=True, text=True, cwd=CHECKOUT, env=environment,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-1000:]
    return result.stdout


def test_output_bytes_do_not_depend_on_the_hash_seed():
    first, second = rendered("0"), rendered("4242")
    assert len(first) > 10_000 and "parse-error" in first and "RS101" in first
    assert first == second


FACTS = """
import json, sys
from riskscan.cache import encode
from riskscan.extract import extract_data
from riskscan.rulesets import load
from riskscan.types import SourceFile

source = b'''
from crewai import Agent, Crew, Task

def crew(researcher: Agent, writer: Agent) -> Crew:
    first = Task(description="one", expected_output="notes", agent=researcher)
    second = Task(description="two", expected_output="notes", agent=researcher)
    third = Task(description="three", expected_output="notes", agent=writer)
    fourth = Task(description="four", expected_output="a report", agent=writer)
    return Crew(agents=[researcher, writer], tasks=[first, second, third, fourth])
'''
facts = extract_data(SourceFile("app/crew.py", "python", "app.crew"), source, load())
sys.stdout.write(json.dumps(encode(facts), sort_keys=True))
"""


def test_facts_at_one_place_come_in_the_same_order_whatever_the_hash_seed():
    """A sequential crew links every task to those before it, all at the Crew(...) call: found on
    crewai's own tests, where the order of such links changed from run to run."""
    outputs = []
    for seed in ("0", "1", "4242"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run([sys.executable, "-c", FACTS], capture_output=True, text=True, cwd=CHECKOUT, env=environment,
                                timeout=300, check=False)
        assert result.returncode == 0, result.stderr[-1000:]
        outputs.append(result.stdout)
    assert outputs[0].count('"task-context"') >= 2
    assert outputs[0] == outputs[1] == outputs[2]
