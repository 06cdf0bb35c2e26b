"""CrewAI's YAML configuration (config/agents.yaml, config/tasks.yaml) and how the crewai adapter
links it to the @CrewBase class that names it."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.discover import kind_of
from riskscan.extract import crewai_config
from riskscan.extract.python import extract
from riskscan.model import build
from riskscan.rulesets import load
from riskscan.types import Gate, Items, Location, Ref, SourceFile


@pytest.fixture(scope="module")
def rulesets():
    return load()


def yaml_facts(rulesets, text: str, path: str):
    return crewai_config.extract(textwrap.dedent(text).encode(), SourceFile(path, "crewai-config"), rulesets)


AGENTS = """\
    researcher:
      role: >
        Senior researcher
      goal: Read the web
      backstory: Curious.
      tools:
        - search
        - scrape
    writer:
      role: Writer
      goal: Write
      backstory: Terse.
"""

TASKS = """\
    research:
      description: Look it up
      expected_output: Notes
      agent: researcher
    publish:
      description: Publish the post
      expected_output: A URL
      agent: writer
      human_input: true
      tools: [publish_post]
    orphan:
      description: Nobody does this
      expected_output: Nothing
      human_input: true
"""


def test_discover_reads_agents_and_tasks_yaml_as_crewai_config():
    assert kind_of("app/config/agents.yaml") == "crewai-config"
    assert kind_of("app/config/tasks.yml") == "crewai-config"
    assert kind_of("app/config/settings.yaml") is None


def test_agents_yaml_gives_each_agent_its_role_and_named_tools_with_places(rulesets):
    found = yaml_facts(rulesets, AGENTS, "app/config/agents.yaml")
    assert [(a.id, a.name, a.framework, a.location.line) for a in found.agents] == [
        ("crewai-config:app/config#agent:researcher", "Senior researcher", "crewai-config", 1),
        ("crewai-config:app/config#agent:writer", "Writer", "crewai-config", 9),
    ]
    assert found.agents[0].tools == (Items((
        Ref("crewai-config:app/config#tool:search", Location("app/config/agents.yaml", 7, 7)),
        Ref("crewai-config:app/config#tool:scrape", Location("app/config/agents.yaml", 8, 7)),
    )),)
    assert found.agents[1].tools == ()


def test_human_input_on_a_task_is_an_approval_gate_on_its_agents_tools(rulesets):
    found = yaml_facts(rulesets, TASKS, "app/config/tasks.yaml")
    (publish,) = found.agents
    assert publish.id == "crewai-config:app/config#agent:writer"
    assert publish.name == ""
    assert publish.tool_gates == (("*", Gate(
        "approval", "human_input: true on task publish: a human reviews the task's result before the crew goes on",
        Location("app/config/tasks.yaml", 9, 16))),)
    assert publish.tools == (Items((Ref("crewai-config:app/config#tool:publish_post", Location("app/config/tasks.yaml", 10, 11)),)),)
    assert [(d.code, d.location.line, d.severity) for d in found.diagnostics] == [("unresolved-agent", 11, "info")]


def test_bad_or_foreign_yaml_is_a_diagnostic_or_nothing(rulesets):
    broken = yaml_facts(rulesets, "researcher:\n  role: [unclosed\n", "app/config/agents.yaml")
    assert [(d.code, d.location.line) for d in broken.diagnostics] == [("parse-error", 3)]
    assert not broken.agents
    foreign = yaml_facts(rulesets, "- name: a\n- name: b\n", "ci/agents.yaml")
    assert not foreign.agents and not foreign.diagnostics
    odd = yaml_facts(rulesets, "a:\n  role: R\n  tools: search\n", "app/config/agents.yaml")
    assert [(d.code, d.location.line) for d in odd.diagnostics] == [("invalid-config", 3)]


CREW = """
    from crewai import Agent, Crew, Task
    from crewai.project import CrewBase, agent, crew, task, tool
    from crewai_tools import SerperDevTool

    @CrewBase
    class Blog:
        @tool
        def search(self):
            return SerperDevTool()

        @agent
        def researcher(self) -> Agent:
            return Agent(config=self.agents_config["researcher"])

        @agent
        def writer(self) -> Agent:
            return Agent(config=self.agents_config["writer"])
"""


def test_a_crew_class_binds_the_yaml_names_in_its_default_config_folder(rulesets):
    found = extract(textwrap.dedent(CREW).encode(), SourceFile("app/crew.py", "python", "app.crew"), rulesets)
    bindings = {b.qualname: b.value for b in found.bindings if b.qualname.startswith("crewai-config:")}
    assert sorted(bindings) == [
        "crewai-config:app/config#agent:researcher",
        "crewai-config:app/config#agent:writer",
        "crewai-config:app/config#tool:search",
    ]
    assert bindings["crewai-config:app/config#agent:writer"].qualname == "app.crew.Blog.writer"


def test_the_model_names_agents_by_role_gives_them_yaml_tools_and_gates(rulesets):
    crew = extract(textwrap.dedent(CREW).encode(), SourceFile("app/crew.py", "python", "app.crew"), rulesets)
    agents = yaml_facts(rulesets, AGENTS, "app/config/agents.yaml")
    tasks = yaml_facts(rulesets, TASKS, "app/config/tasks.yaml")
    system = build("/x", [crew, agents, tasks], rulesets)
    held = {a.name: sorted(h.tool for h in a.tools) for a in system.agents}
    assert held == {"Senior researcher": ["app.crew.<builtin crewai_tools.SerperDevTool>"], "Writer": []}
    unresolved = sorted((d.code, d.location.path, d.location.line) for d in system.diagnostics if d.code.startswith("unresolved"))
    assert unresolved == [
        ("unresolved-agent", "app/config/tasks.yaml", 11),
        ("unresolved-tool", "app/config/agents.yaml", 8),  # `scrape`: no @tool method of that name
        ("unresolved-tool", "app/config/tasks.yaml", 10),  # `publish_post`
    ]


def test_a_yaml_agent_no_crew_class_uses_is_an_info_diagnostic(rulesets):
    agents = yaml_facts(rulesets, AGENTS, "other/config/agents.yaml")
    system = build("/x", [agents], rulesets)
    assert not system.agents
    assert [(d.code, d.location.line, d.severity) for d in system.diagnostics] == [
        ("unused-config", 1, "info"),
        ("unused-config", 9, "info"),
    ]


def test_a_crew_of_tasks_built_by_an_unresolved_call_is_read_without_failing(rulesets):
    """crewai's own source builds crews from tasks returned by helpers; the task order cannot be
    known, so the agents' own order is used (this crashed on crewai 1.15's sources)."""
    code = textwrap.dedent(
        """\
        from crewai import Agent, Crew
        from helpers import TASKS, make_task

        writer = Agent(role="Writer", goal="Write", backstory="Terse.")
        editor = Agent(role="Editor", goal="Edit", backstory="Strict.")
        crew = Crew(agents=[writer, editor], tasks=[make_task(writer), TASKS["edit"]])
        """
    )
    facts = extract(code.encode(), SourceFile("crew.py", "python", "crew"), rulesets)
    assert not [d for d in facts.diagnostics if d.code == "internal-error"]
    assert [link.kind for link in facts.links if link.kind == "task-context"] == ["task-context"]
