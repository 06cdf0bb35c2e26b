"""`riskscan --help` must start fast: the command line loads no heavy library (the solver, the
Python parser, the graph, schema validation) until a command needs it. Timing is measured by
bench/performance.py; this checks the cause."""

import json
import subprocess
import sys

HEAVY = ("z3", "libcst", "networkx", "jsonschema", "yaml", "riskscan.types", "tqdm")  # tqdm: only when progress is drawn


def loaded_after(*args: str) -> set[str]:
    code = (
        "import sys, json\n"
        "from riskscan.cli import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


def test_help_loads_no_heavy_library():
    for args in (("--help",), ("scan", "--help"), ("--version",)):
        loaded = loaded_after(*args)
        assert not {name for name in loaded if name.split(".")[0] in HEAVY or name in HEAVY}, args
