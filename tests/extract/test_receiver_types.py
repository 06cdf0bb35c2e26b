"""Method calls resolve to the catalog through the type of their receiver: a factory whose literal
argument names the class (`boto3.client("s3")`), and a project function's return annotation."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.scan import scan
from riskscan.types import Config


def scanned_tool(tmp_path, text: str, name: str, file: str = "tools.py"):
    """The tool `name` of a one-file app package `app/<file>` holding `text`, as a scan sees it."""
    (tmp_path / "app").mkdir(exist_ok=True)
    (tmp_path / "app" / file).write_text(text)
    [tool] = [t for t in scan(str(tmp_path), Config(cache=False)).tools if t.name == name]
    return tool


def labels_of(tmp_path, prelude: str, body: str) -> set[str]:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "tools.py").write_text(textwrap.dedent('''\
        import boto3
        import httpx
        from agents import Agent, function_tool

        {prelude}

        @function_tool
        def tool(key: str) -> str:
            """Do one thing."""
            {body}
            return "done"


        bot = Agent(name="bot", tools=[tool])
        ''').replace("{prelude}", prelude).replace("{body}", body))
    [tool] = [t for t in scan(str(tmp_path), Config(cache=False)).tools if t.name == "tool"]
    return {c.label for c in tool.capabilities}


@pytest.mark.parametrize("prelude, body, expected", [
    ('s3 = boto3.client("s3")', 's3.delete_object(Bucket="b", Key=key)', {"fs_delete"}),
    ('s3 = boto3.client(service_name="s3")', 's3.delete_object(Bucket="b", Key=key)', {"fs_delete"}),
    ('session = boto3.Session()', 'session.client("secretsmanager").get_secret_value(SecretId=key)', {"secret_read"}),
    ('s3 = boto3.client("sqs")', 's3.delete_object(Bucket="b", Key=key)', set()),  # an SQS client has no such method
    ('def make() -> httpx.Client:\n    return httpx.Client()', 'make().get(key)', {"untrusted_input", "external_send"}),
    ('def make():\n    return httpx.Client()', 'make().get(key)', set()),  # no annotation: unknown
    ('from stagehand import Stagehand\nbrowser = Stagehand()', 'browser.page.goto(key)', {"untrusted_input", "external_send"}),
    ('from stagehand import Stagehand\nbrowser = Stagehand()', 'browser.page.goto("https://status.example.com")', {"untrusted_input"}),
])
def test_a_receiver_typed_by_its_factory(tmp_path, prelude, body, expected):
    assert labels_of(tmp_path, prelude, body) == expected


DEPS_TOOL = '''\
from dataclasses import dataclass

import httpx
from pydantic_ai import Agent, RunContext


@dataclass
class Deps:
    client: httpx.AsyncClient
    city: str


agent = Agent("openai:gpt-5-mini", deps_type=Deps)


@agent.tool
async def lookup(ctx: RunContext[Deps], url: str) -> str:
    """Look something up."""
    {body}
    return "done"
'''


@pytest.mark.parametrize("body, expected", [
    ("return (await ctx.deps.client.get(url)).text", {"untrusted_input", "external_send"}),  # the client in the deps
    ("return ctx.deps.city.upper()", set()),  # a plain field: nothing catalogued
])
def test_a_pydantic_ai_tool_is_labelled_by_what_it_calls_on_its_dependencies(tmp_path, body, expected):
    tool = scanned_tool(tmp_path, DEPS_TOOL.replace("{body}", body), "lookup", file="agent.py")
    assert {c.label for c in tool.capabilities} == expected


def test_an_openai_agents_context_is_typed_by_its_argument(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "tools.py").write_text(textwrap.dedent('''\
        from dataclasses import dataclass

        import httpx
        from agents import Agent, RunContextWrapper, function_tool


        @dataclass
        class Session:
            http: httpx.Client


        @function_tool
        def fetch(wrapper: RunContextWrapper[Session], url: str) -> str:
            """Fetch a page."""
            return wrapper.context.http.get(url).text


        bot = Agent(name="bot", tools=[fetch])
        '''))
    [tool] = [t for t in scan(str(tmp_path), Config(cache=False)).tools if t.name == "fetch"]
    assert {c.label for c in tool.capabilities} == {"untrusted_input", "external_send"}


CROSS_FILE = {
    "deps.py": '''\
        from dataclasses import dataclass
        from typing import Optional

        import httpx

        from app.ledger import Ledger, Receipt


        @dataclass
        class Deps:
            client: httpx.AsyncClient
            ledger: Optional[Ledger]
            receipt: Receipt
        ''',
    "ledger.py": '''\
        import stripe


        class Ledger:
            def pay_out(self, account: str, cents: int) -> str:
                return stripe.Transfer.create(amount=cents, currency="usd", destination=account).id


        class Receipt:
            def render(self, cents: int) -> str:
                return f"paid {cents / 100:.2f} USD"
        ''',
    "agent.py": '''\
        from pydantic_ai import Agent, RunContext

        from app.deps import Deps

        agent = Agent("openai:gpt-5-mini", deps_type=Deps)


        @agent.tool
        async def lookup(ctx: RunContext[Deps], url: str) -> str:
            """Look something up."""
            return (await ctx.deps.client.get(url)).text


        @agent.tool
        async def settle(ctx: RunContext[Deps], account: str, cents: int) -> str:
            """Settle an invoice."""
            return ctx.deps.ledger.pay_out(account, cents)


        @agent.tool
        async def receipt(ctx: RunContext[Deps], cents: int) -> str:
            """Write the receipt of a payment."""
            return ctx.deps.receipt.render(cents)
        ''',
}


@pytest.mark.parametrize("tool, expected", [
    ("lookup", {"untrusted_input", "external_send"}),  # the deps' client, annotated in another file
    ("settle", {"financial"}),  # a project class of a third file, its method followed as a helper
    ("receipt", set()),  # the look-alike: a project class whose method only formats text
])
def test_dependencies_declared_in_another_file_are_followed(tmp_path, tool, expected):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    for name, text in CROSS_FILE.items():
        (tmp_path / "app" / name).write_text(textwrap.dedent(text))
    [found] = [t for t in scan(str(tmp_path), Config(cache=False)).tools if t.name == tool]
    assert {c.label for c in found.capabilities} == expected
    assert all(e.kind == "api-call" for c in found.capabilities for e in c.evidence)


FLOW_TOOL = '''\
from pathlib import Path

import requests
from agents import Agent, function_tool


@function_tool
def save(path: str, text: str) -> str:
    """Save a note."""
    {body}
    return "saved"


bot = Agent(name="bot", tools=[save])
'''


@pytest.mark.parametrize("body, controlled", [
    ("Path(path).write_text(text)", True),  # the model names the file
    ("target = Path('/srv/notes/today.txt')\n    target.write_text(text)", False),  # the text is the model's, the file is not
    ("parts = []\n    parts.append(path)\n    Path(parts[0]).write_text(text)", True),  # a list the model's path was put in
])
def test_a_method_call_does_not_make_its_receiver_the_models_choice(tmp_path, body, controlled):
    tool = scanned_tool(tmp_path, FLOW_TOOL.replace("{body}", body), "save")
    [write] = [c for c in tool.capabilities if c.label == "fs_write"]
    assert write.model_controlled is controlled


@pytest.mark.parametrize("prelude, body, expected", [
    # arxiv (rulesets/apis_research.yaml): abstracts are written by whoever submits
    ("import arxiv\nclient = arxiv.Client()", "return next(client.results(arxiv.Search(query=key))).summary", {"untrusted_input"}),
    ("import arxiv\nclient = arxiv.Client()", "arxiv.Search(query=key)", set()),  # building a query reads nothing
    # Office files (apis_documents.yaml): the file the model names is read
    ("import docx", "return docx.Document(key).paragraphs[0].text", {"private_data"}),
    ("import docx", "return docx.Document('/srv/handbook/style.docx').paragraphs[0].text", set()),
    # Selenium action chains (apis_browser.yaml): keys the model chose typed into the page
    ("from selenium import webdriver\ndriver = webdriver.Chrome()", "webdriver.ActionChains(driver).send_keys(key).perform()", {"external_send"}),
    ("from selenium import webdriver\ndriver = webdriver.Chrome()", "webdriver.ActionChains(driver).pause(1).perform()", set()),
    # Bedrock agents and knowledge bases (apis_cloud.yaml)
    ('agents = boto3.client("bedrock-agent-runtime")', 'agents.invoke_agent(agentId="A", agentAliasId="B", sessionId="s", inputText=key)',
     {"spawn_agent", "untrusted_input"}),
    ('agents = boto3.client("bedrock-agent-runtime")', 'agents.retrieve(knowledgeBaseId="KB", retrievalQuery={"text": key})', {"private_data"}),
    # httpx streams, and httpx2 (the MCP SDK 2.x client) by its alias of httpx
    ("client = httpx.Client()", 'with client.stream("GET", key) as response:\n        return response.read().decode()',
     {"untrusted_input", "external_send"}),
    ("import httpx2", "return httpx2.get(key).text", {"untrusted_input", "external_send"}),
    ("import httpx2", 'return httpx2.get("https://status.example.com").text', {"untrusted_input"}),
    # pymongo's databases and collections by subscript and by attribute (__getitem__, __getattr__)
    ("import pymongo\nclient = pymongo.MongoClient()", 'client["shop"]["orders"].delete_many({"customer": key})', {"db_write"}),
    ("import pymongo\nclient = pymongo.MongoClient()", 'return str(client.shop.orders.find_one({"_id": key}))', {"private_data"}),
    ("import pymongo\nclient = pymongo.MongoClient()", "client.shop.list_collection_names()", set()),
    # a name holding a property of a library object (Graph's request builders, written as aliases)
    ("from msgraph import GraphServiceClient\nclient = GraphServiceClient(credentials=None)",
     "inbox = client.me.messages\n    return str(inbox.get())", {"untrusted_input", "private_data"}),
    # a `with` name holds what __enter__ returns (Playwright's context manager gives the Playwright)
    ("from playwright.sync_api import sync_playwright",
     "with sync_playwright() as p:\n        return p.chromium.launch().new_page().goto(key).text()", {"untrusted_input", "external_send"}),
])
def test_a_library_call_gets_its_catalog_labels(tmp_path, prelude, body, expected):
    assert labels_of(tmp_path, prelude, body) == expected


WORDY_TOOL = '''\
import logging
import re

from agents import Agent, function_tool

log = logging.getLogger(__name__)
TICKET = re.compile(r"[A-Z]+-[0-9]+")


@function_tool
def delete_ticket_history(text: str) -> str:
    """Delete the ticket history from a message."""
    {body}


bot = Agent(name="bot", tools=[delete_ticket_history])
'''


@pytest.mark.parametrize("body, evidence", [
    # a body of list, text, logger and pattern methods is understood: the name's words add nothing
    ("parts = []\n    for word in text.split():\n        parts.append(word)\n    log.info('cleaned')\n"
     "    return TICKET.sub('', ' '.join(parts)).strip()", set()),
    # arithmetic on standard-library values and its methods: understood too
    ("import datetime\n    started = datetime.datetime.now()\n    took = (datetime.datetime.now() - started).total_seconds()\n"
     "    return f'{text} {took}'", set()),
    # a GET's response is typed: its methods are the response's, and the call's label is the evidence
    ("import requests\n    response = requests.get('https://status.example.com', timeout=5)\n"
     "    response.raise_for_status()\n    return str(response.json())", {"api-call"}),
    # a call riskscan cannot type leaves the words as the only evidence, and says so
    ("return make_cleaner().run(text)", {"lexicon"}),
])
def test_a_body_of_builtin_and_standard_methods_is_understood(tmp_path, body, evidence):
    tool = scanned_tool(tmp_path, WORDY_TOOL.replace("{body}", body), "delete_ticket_history")
    assert {e.kind for c in tool.capabilities for e in c.evidence} == evidence


def test_a_method_of_a_value_or_its_default_is_the_values(tmp_path):
    """`(text or "").strip()` is a method of the model's own text: the body is understood (were
    the call left unnamed, the name's words would label the tool)."""
    tool = scanned_tool(tmp_path, WORDY_TOOL.replace("{body}", 'return (text or "").strip()'), "delete_ticket_history")
    assert tool.capabilities == ()


MAILBOX = '''\
from dataclasses import dataclass, field

from pydantic_ai import Agent, RunContext


class Mailbox:
    """A simulated inbox, the way test environments for agents are written."""

    def __init__(self) -> None:
        self.outbox = []

    def send(self, to: str, body: str) -> None:
        self.outbox.append({"to": to, "body": body})


@dataclass
class Deps:
    mailbox: Mailbox


agent = Agent("openai:gpt-5-mini", deps_type=Deps)


@agent.tool
def send_email(ctx: RunContext[Deps], recipient: str, body: str) -> str:
    """Send an email to a recipient."""
    {body}
'''


@pytest.mark.parametrize("body, labelled", [
    # the simulated mailbox's state stands for a sent mail: the words still count, as hints
    ("ctx.deps.mailbox.send(recipient, body)\n    return 'sent'", True),
    # the look-alike: a local list the function fills and returns is its own scratch
    ("lines = []\n    lines.append(body.strip())\n    return '\\n'.join(lines)", False),
])
def test_state_of_a_simulated_service_is_not_taken_for_scratch(tmp_path, body, labelled):
    tool = scanned_tool(tmp_path, MAILBOX.replace("{body}", body), "send_email", file="agent.py")
    kinds = {(c.label, e.kind) for c in tool.capabilities for e in c.evidence}
    assert (("external_send", "lexicon") in kinds) is labelled
    assert all(kind == "lexicon" for _, kind in kinds)


CALLBACK_TOOL = '''\
import requests
from agents import Agent, function_tool


def with_retries(operation, attempts: int = 3):
    for _ in range(attempts - 1):
        try:
            return operation()
        except OSError:
            pass
    return operation()


@function_tool
def fetch(url: str) -> str:
    """Get a page, retrying."""
    def attempt():
        {body}
    return with_retries(attempt)


bot = Agent(name="bot", tools=[fetch])
'''


@pytest.mark.parametrize("body, expected", [
    ("return requests.get(url, timeout=10).text", {"untrusted_input", "external_send"}),  # what the callback does, the tool does
    ("return url.strip()", set()),  # the look-alike: a callback that only trims text
])
def test_a_function_handed_to_another_is_taken_as_called(tmp_path, body, expected):
    tool = scanned_tool(tmp_path, CALLBACK_TOOL.replace("{body}", body), "fetch")
    assert {c.label for c in tool.capabilities} == expected
    assert all(e.kind == "api-call" for c in tool.capabilities for e in c.evidence)


HINTED_TOOL = '''\
from mcp.server.fastmcp import FastMCP

app = FastMCP("notes")


@app.tool(annotations={"destructiveHint": True})
def clean_title(title: str) -> str:
    """Clean up a title."""
    {body}
'''


@pytest.mark.parametrize("body, expected", [
    ("return title.strip().title()", set()),  # every call understood: the code says what the tool does
    ("return tidy(title)", {"fs_delete"}),  # a call riskscan cannot see: the author's hint stands, as a hint
])
def test_mcp_annotations_count_only_where_the_body_is_not_understood(tmp_path, body, expected):
    (tmp_path / "server.py").write_text(HINTED_TOOL.replace("{body}", body))
    [tool] = [t for t in scan(str(tmp_path), Config(cache=False)).tools if t.name == "clean_title"]
    assert {c.label for c in tool.capabilities if any(e.kind == "annotation" for e in c.evidence)} == expected


PROJECT_CLASS_TOOL = '''\
import requests
from agents import Agent, function_tool


class LookupFailed(Exception):
    pass


class Fetcher:
    def __init__(self, url: str) -> None:
        self.text = requests.get(url, timeout=10).text


@function_tool
def delete_ticket_history(ticket: str) -> str:
    """Delete the ticket history."""
    {body}


bot = Agent(name="bot", tools=[delete_ticket_history])
'''


@pytest.mark.parametrize("body, labels", [
    # raising a project exception is understood: the name's words add nothing
    ("if not ticket.isdigit():\n        raise LookupFailed(ticket)\n    return ticket", set()),
    # making a project object runs its __init__, followed as a helper
    ("return Fetcher(ticket).text", {"untrusted_input", "external_send"}),
])
def test_making_a_project_object_is_understood_and_runs_its_init(tmp_path, body, labels):
    tool = scanned_tool(tmp_path, PROJECT_CLASS_TOOL.replace("{body}", body), "delete_ticket_history")
    assert {c.label for c in tool.capabilities} == labels
    assert all(e.kind == "api-call" for c in tool.capabilities for e in c.evidence)
