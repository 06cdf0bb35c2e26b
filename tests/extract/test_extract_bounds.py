"""The Python extractor's work grows with the size of the file, not exponentially with patterns
real code has: these inputs made it run for minutes on framework sources."""

from riskscan.extract.python import extract
from riskscan.extract.python.context import FileContext
from riskscan.rulesets import load
from riskscan.types import SourceFile


def test_a_name_reassigned_from_itself_is_typed_once_per_assignment(monkeypatch):
    """`node = node.child()` under many branches: every assignment's value depends on every other;
    exploring them in every order took minutes on crewai's flow runtime."""
    branches = 30
    lines = ["import requests", "", "def walk(node):", "    node = requests.Session()"]
    for index in range(branches):
        lines += [f"    if node.kind{index}:", f"        node = node.child{index}()"]
    lines.append("    return node.post('https://example.com')")
    calls = []
    original = FileContext.instance_types

    def counted(self, node):
        calls.append(node)
        return original(self, node)

    monkeypatch.setattr(FileContext, "instance_types", counted)
    facts = extract("\n".join(lines).encode() + b"\n", SourceFile("walk.py", "python", "walk"), load())
    assert len(calls) < 40 * branches
    post = [call for f in facts.functions for call in f.calls if any(name.endswith(".post") for name in call.callee)]
    assert post and "requests.Session.post" in post[0].callee
