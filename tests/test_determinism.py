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
