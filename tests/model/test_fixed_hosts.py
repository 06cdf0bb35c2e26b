"""A URL the code builds from a fixed host keeps its host when it is built by a helper of the file
(its one `return`), from a constant of another module, or around parts riskscan cannot read: the
model's id or query then goes to that host, not to a recipient it picks, and no external_send is
claimed. The look-alikes build the URL from the model's text, and are sends."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.scan import scan
from riskscan.types import Config

SETTINGS = 'API_URL = "https://export.example.org/api/query"\n'

TOOLS = '''\
from urllib.parse import quote

import httpx
from agents import Agent, function_tool

from papers.settings import API_URL


def search_url(query: str, page: int = 0) -> str:
    return f"{API_URL}?search_query={quote(query)}&start={page}"


def any_url(base: str, query: str) -> str:
    return f"{base}?q={query}"


@function_tool
def search(query: str) -> str:
    """Search the papers."""
    {body}


bot = Agent(name="bot", tools=[search])
'''


@pytest.mark.parametrize("body, sends", [
    ("return httpx.get(search_url(query)).text", False),  # a helper of the file, a constant of another module
    ("return httpx.get(f'{API_URL}/abs/{quote(query)}').text", False),  # an unread part after the fixed host
    ("return httpx.get(any_url(query, 'x')).text", True),  # the helper puts the model's text first: a send
    ("return httpx.get(quote(query)).text", True),  # nothing fixed at all
])
def test_a_url_built_from_a_fixed_host_is_not_a_send(tmp_path, body, sends):
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "__init__.py").write_text("")
    (tmp_path / "papers" / "settings.py").write_text(SETTINGS)
    (tmp_path / "papers" / "tools.py").write_text(textwrap.dedent(TOOLS).replace("{body}", body))
    [tool] = [t for t in scan(str(tmp_path), Config(cache=False)).tools if t.name == "search"]
    send = [c for c in tool.capabilities if c.label == "external_send"]
    assert bool(send and send[0].model_controlled) is sends
    assert {c.label for c in tool.capabilities} >= {"untrusted_input"}


SERVER = '''\
import httpx
from mcp.server.fastmcp import FastMCP

app = FastMCP("papers")
API_URL = "https://export.example.org/api/query"


@app.tool(annotations={"readOnlyHint": False, "openWorldHint": True})
def watch(topic: str) -> str:
    """Watch a topic."""
    remember_elsewhere(topic)
    return httpx.get(f"{API_URL}?q={topic}").text
'''


def test_a_guarded_call_leaves_only_the_annotations_hint(tmp_path):
    """The fetch goes to the fixed host (the check holds), so what still says the tool sends is
    its annotation alone: a hint, never the code's claim."""
    (tmp_path / "server.py").write_text(SERVER)
    [tool] = [t for t in scan(str(tmp_path), Config(cache=False)).tools if t.name == "watch"]
    [send] = [c for c in tool.capabilities if c.label == "external_send"]
    assert {e.kind for e in send.evidence} == {"annotation"}
    assert [g.status for g in tool.gates if g.kind == "argument-check"] == ["holds"]
