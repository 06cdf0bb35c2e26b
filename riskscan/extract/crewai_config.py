"""CrewAI `config/agents.yaml` and `config/tasks.yaml`, read beside the `@CrewBase` classes that
name them (`agents_config = "config/agents.yaml"`).

The files say what the code leaves out, so their facts are *overlays* on the agents the crew
class makes (framework `crewai-config`, id `crewai-config:<folder>#agent:<key>`): the crewai
adapter binds that id to the class's `@agent` method, and the model merges an overlay into the
agent it resolves to. From agents.yaml: the agent's `role` (its name) and the `tools` it names,
each a reference `crewai-config:<folder>#tool:<name>` that the adapter binds to the class's `@tool`
method of that name (as crewai's `CrewBase` maps them). From tasks.yaml: a task's `tools` join its
agent, and `human_input: true` is an approval gate on the agent's tools: a human reviews the
task's result before the crew goes on. Positions come from the YAML nodes' marks.
"""

from __future__ import annotations

from posixpath import dirname

import yaml

from riskscan.formats import yaml_input
from riskscan.formats.json_input import decode_error_place
from riskscan.rulesets import Rulesets
from riskscan.types import (
    AgentFact,
    Diagnostic,
    Facts,
    Gate,
    Items,
    Location,
    Ref,
    SourceFile,
)

KIND = "crewai-config"
FRAMEWORK = "crewai-config"
AGENT_KEYS = frozenset({"role", "goal", "backstory"})
TASK_KEYS = frozenset({"description", "expected_output"})


def is_crewai_config(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in ("agents.yaml", "agents.yml", "tasks.yaml", "tasks.yml")


def agent_id(folder: str, key: str) -> str:
    return f"crewai-config:{folder}#agent:{key}"


def tool_id(folder: str, name: str) -> str:
    return f"crewai-config:{folder}#tool:{name}"


def extract(data: bytes, source: SourceFile, rulesets: Rulesets) -> Facts:
    path = source.path
    try:
        node = yaml_input.compose(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        return _failed(path, Location(path, *decode_error_place(data, error)), "decode-error", "not UTF-8 text; not read")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = Location(path, mark.line + 1, mark.column + 1) if mark is not None else Location(path, 1, 1)
        return _failed(path, where, "parse-error", f"invalid YAML: {getattr(error, 'problem', None) or error}")
    entries = _mapping(node)
    if entries is None:
        return Facts(path=path, kind=KIND)
    folder = dirname(path)
    agents: list[AgentFact] = []
    diagnostics: list[Diagnostic] = yaml_input.duplicate_diagnostics(path, node) + yaml_input.long_integer_diagnostics(path, node)
    last = {key.value: key for key, _ in entries if isinstance(key, yaml.ScalarNode)}
    for key_node, value in entries:
        fields = {k.value: v for k, v in (_mapping(value) or ()) if isinstance(k, yaml.ScalarNode)}
        if not isinstance(key_node, yaml.ScalarNode) or last[key_node.value] is not key_node:
            continue  # a repeated key: crewai reads the last one only
        key = key_node.value
        where = _loc(path, key_node)
        if fields.keys() & AGENT_KEYS:
            role = _scalar(fields.get("role"))
            tools = _tools(path, folder, fields.get("tools"), diagnostics)
            agents.append(AgentFact(agent_id(folder, key), (role or "").strip(), FRAMEWORK, where, tools=tools))
        elif fields.keys() & TASK_KEYS:
            agents += _task(path, folder, key, where, fields, diagnostics)
    return Facts(path=path, kind=KIND, agents=tuple(agents), diagnostics=tuple(diagnostics))


def _task(path: str, folder: str, key: str, where: Location, fields: dict, diagnostics: list[Diagnostic]) -> list[AgentFact]:
    agent_node = fields.get("agent")
    agent = _scalar(agent_node)
    tools = _tools(path, folder, fields.get("tools"), diagnostics)
    human = fields.get("human_input")
    reviewed = isinstance(human, yaml.ScalarNode) and human.tag.endswith(":bool") and human.value.lower() == "true"
    if agent is None:
        if reviewed or tools:
            diagnostics.append(Diagnostic(where, "unresolved-agent", f"task {key} names no agent in the YAML; its tools and human_input are not attached", "info"))
        return []
    gates = (("*", Gate("approval", f"human_input: true on task {key}: a human reviews the task's result before the crew goes on", _loc(path, human))),) if reviewed else ()
    if not gates and not tools:
        return []
    return [AgentFact(agent_id(folder, agent.strip()), "", FRAMEWORK, _loc(path, agent_node), tools=tools, tool_gates=gates)]


def _tools(path: str, folder: str, node, diagnostics: list[Diagnostic]) -> tuple:
    if node is None:
        return ()
    if not isinstance(node, yaml.SequenceNode):
        diagnostics.append(Diagnostic(_loc(path, node), "invalid-config", "`tools` is not a list of names; not read"))
        return ()
    refs = []
    for item in node.value:
        name = _scalar(item)
        if name is None:
            diagnostics.append(Diagnostic(_loc(path, item), "invalid-config", "a tool that is not a name; skipped"))
            continue
        refs.append(Ref(tool_id(folder, name.strip()), _loc(path, item)))
    return (Items(tuple(refs)),) if refs else ()


def _mapping(node) -> list | None:
    return node.value if isinstance(node, yaml.MappingNode) else None


def _scalar(node) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str") and node.value.strip() else None


def _loc(path: str, node) -> Location:
    return Location(path, node.start_mark.line + 1, node.start_mark.column + 1)


def _failed(path: str, where: Location, code: str, message: str) -> Facts:
    return Facts(path=path, kind=KIND, diagnostics=(Diagnostic(where, code, message),))
