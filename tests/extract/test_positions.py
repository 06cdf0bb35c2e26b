"""positions.py gives every node the start libcst's PositionProvider gives it (the oracle here),
over every node of every fixture file and a few layouts that move lines and columns about."""

from pathlib import Path

import libcst.metadata
import pytest

from riskscan.extract.python.positions import Positions
from riskscan.extract.python.syntax import _Preorder, cst

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

LAYOUTS = {
    "decorators and comments": "# a comment\n\n@deco(\n    1)\n# between\n@other\nasync def f(a,\n      b):  # trailing\n    '''doc\n    string'''\n    return a\n",
    "continuations": "x = 1 + \\\n    2; y = (3,\n  4)\nif x:\n    pass\nelif y: z = 1\nelse:\n\n    w = [i for i in\n         y]\n",
    "carriage returns": "a = 1\r\nb = '''x\r\ny'''\rc = 3\r\n",
    "tabs and no final newline": "class A:\n\tdef m(self):\n\t\treturn f'{self!r:>{10}}'\n\tx = 1",
    "empty": "",
}


def _compare(module: cst.Module) -> list[str]:
    expected = libcst.metadata.MetadataWrapper(module, unsafe_skip_copy=True).resolve(libcst.metadata.PositionProvider)
    positions = Positions(module)
    found = []
    for node in _Preorder(module).order:
        want = expected.get(node)
        want = None if want is None else (want.start.line, want.start.column)
        if positions.start(node) != want:
            found.append(f"{type(node).__name__}: {positions.start(node)} != {want}")
    return found


def _fixture_modules():
    for path in sorted(FIXTURES.rglob("*.py")):
        try:
            yield path, cst.parse_module(path.read_bytes())
        except Exception:  # the unreadable fixtures are the extractor's to report
            continue


@pytest.mark.parametrize("name", LAYOUTS)
def test_layout_positions_are_libcsts(name):
    assert _compare(cst.parse_module(LAYOUTS[name])) == []


@pytest.mark.parametrize("path,module", list(_fixture_modules()), ids=lambda value: getattr(value, "name", ""))
def test_fixture_positions_are_libcsts(path, module):
    try:
        differences = _compare(module)
    except RecursionError:  # too deep for libcst's own provider; the extractor reports the file
        pytest.skip("too deep for libcst's provider")
    assert differences == []


def test_a_node_outside_the_module_has_no_position():
    module = cst.parse_module("x = 1\n")
    assert Positions(module).start(cst.Name("y")) is None
    assert Positions(module).start(module.body[0].body[0].value) == (1, 4)
