"""Capability labels for tools, with their confidence and evidence (DESIGN.md: the model of danger).

Evidence, strongest first: calls in the tool's body and the project helpers it calls, resolved to
qualified names in the API catalog; a framework's built-in tool; MCP annotations; words of the
name, description and parameters (the lexicon).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace

from riskscan.model.api_calls import api_capabilities, shell_hygiene, target_arg
from riskscan.model.argument_checks import through_helper, with_constants
from riskscan.model.process_arguments import argument_hygiene
from riskscan.model.references import in_modules, through_fields
from riskscan.rulesets import BuiltinTool, Rulesets
from riskscan.types import (
    CONFIDENCE_ANNOTATION,
    CONFIDENCE_CATALOG,
    CONFIDENCE_LEXICON,
    EXTERNAL_SEND,
    FS_DELETE,
    UNTRUSTED_INPUT,
    CallSite,
    Capability,
    Evidence,
    FunctionFact,
    HygieneFact,
    Opaque,
    ToolFact,
    Value,
)

MAX_HELPER_DEPTH = 8
# Parameters a framework fills in itself; the model never chooses them.
FRAMEWORK_PARAMS = frozenset({"self", "cls", "ctx", "context", "run_context", "wrapper", "tool_context"})
SINK_LABELS_NEEDING_CONTROL = frozenset({EXTERNAL_SEND})
STANDARD_LIBRARY = frozenset(sys.stdlib_module_names) | {"builtins"}
LITERAL_CONSTANTS = frozenset({"string constant", "number constant"})  # the reasons values.py gives


@dataclass(frozen=True)
class BodyAnalysis:
    capabilities: tuple[Capability, ...]
    hygiene: tuple[HygieneFact, ...]


class BodyAnalyser:
    """Labels a function from the catalogued APIs it calls, directly or through project helpers,
    and whether the model controls each dangerous argument."""

    def __init__(self, functions: dict[str, FunctionFact], rulesets: Rulesets, bindings: dict[str, Value] | None = None,
                 modules: set[str] | None = None, constants: dict[str, str] | None = None):
        self.functions = functions
        self.apis = rulesets.api_index()
        self.bindings = bindings if bindings is not None else {}
        self.sensitive_paths = rulesets.sensitive_paths
        self.code_runners = rulesets.code_runners
        self.rulesets = rulesets
        self.modules = modules or set()
        self.constants = constants if constants is not None else {}  # qualname -> text (extract/python/constants.py)
        self._memo: dict[tuple[str, frozenset[str]], tuple[tuple[Capability, ...], tuple[HygieneFact, ...]]] = {}
        self._unknown_memo: dict[tuple[str, frozenset[str]], tuple[str, ...]] = {}
        self._names_memo: dict[tuple[str, ...], tuple[str, ...]] = {}  # a callee's names (they depend on it alone)

    def unknown_calls(self, qualname: str) -> tuple[str, ...]:
        """The calls of a function, and of the project helpers it calls, whose effect riskscan
        cannot tell: not catalogued, not a function of the project, not the standard library (the
        catalog names its dangerous calls), not a method of a literal constant or of a value the
        model gave (JSON: text, numbers, lists). Empty when the body is fully resolved: then its
        labels are what it does, and its name's words add nothing."""
        function = self.functions.get(qualname)
        if function is None:
            return (qualname,)
        return self._unknown(qualname, frozenset(p for p in function.params if p not in FRAMEWORK_PARAMS), frozenset())

    def _unknown(self, qualname: str, controlled: frozenset[str], visiting: frozenset[str]) -> tuple[str, ...]:
        key = (qualname, controlled)
        if key in self._unknown_memo:
            return self._unknown_memo[key]
        function = self.functions.get(qualname)
        if function is None or qualname in visiting or len(visiting) > MAX_HELPER_DEPTH:
            return (qualname,)
        unknown: list[str] = []
        for call in function.calls:
            kind, callee = self._kind(qualname, call, controlled)
            if kind == "helper":
                unknown += self._unknown(callee, _controlled_params(self.functions[callee], call, controlled) | _closure(qualname, callee, controlled),
                                         visiting | {qualname})
            elif kind == "unknown":
                unknown.append(callee)
        result = tuple(sorted(set(unknown)))
        self._unknown_memo[key] = result
        return result

    def census(self, qualname: str) -> list[tuple[str, str]]:
        """Every call a function makes, and the project helpers it calls make, as (kind, callee):
        `catalogued` (an entry of the API catalog), `harmless` (a call the catalog calls harmless),
        `standard` (the standard library, whose dangerous calls the catalog names), `given` (a
        method of a value the model gave, or of a literal constant), or `unknown`. For measuring
        the catalog's coverage (scripts/catalog_coverage.py)."""
        found: list[tuple[str, str]] = []

        def walk(name: str, controlled: frozenset[str], visiting: frozenset[str]) -> None:
            function = self.functions.get(name)
            if function is None or name in visiting or len(visiting) > MAX_HELPER_DEPTH:
                return
            for call in function.calls:
                kind, callee = self._kind(name, call, controlled)
                if kind == "helper":
                    walk(callee, _controlled_params(self.functions[callee], call, controlled) | _closure(name, callee, controlled),
                         visiting | {name})
                else:
                    found.append((kind, callee))

        function = self.functions.get(qualname)
        if function is not None:
            walk(qualname, frozenset(p for p in function.params if p not in FRAMEWORK_PARAMS), frozenset())
        return found

    def _kind(self, qualname: str, call: CallSite, controlled: frozenset[str]) -> tuple[str, str]:
        """What a call of `qualname` is to the labeller, and the name it goes by: catalogued, a
        project helper to follow, given (a method of a value the model gave or of a literal
        constant), standard (library), harmless, or unknown."""
        names = self._names(call)
        catalogued = next((c for c in names if c in self.apis), None)
        if catalogued is not None:
            return "catalogued", catalogued
        helper = next((c for c in names if c in self.functions and c != qualname), None)
        if helper is not None:
            return "helper", helper
        first = call.callee[0] if call.callee else "a call"
        scopes = qualname.split(".<locals>.")  # the function and those it is nested in (its closure)
        owners = [".<locals>.".join(scopes[:end]) for end in range(len(scopes), 0, -1)]
        given = tuple(f"{owner}.<locals>.{param}." for owner in owners for param in controlled)
        if any(c.startswith(given) or self._literal_method(c) for c in call.callee):
            return "given", first
        # calling a function the caller passed in: the caller's call site stands for it
        # (a function handed to another is taken as called there: extract/python/functions.py)
        handed = {f"{qualname}.<locals>.{param}" for param in self.functions[qualname].params}
        if handed.intersection(call.callee):
            return "given", first
        if any(c.split(".", 1)[0] in STANDARD_LIBRARY for c in call.callee):
            return "standard", first
        if any(self.rulesets.is_harmless(c) for c in names):
            return "harmless", first
        if any(_class_like(c) and in_modules(c, self.modules) for c in call.callee):
            return "constructed", first  # a project class with no __init__ of its own (an exception)
        return "unknown", first

    def _names(self, call: CallSite) -> tuple[str, ...]:
        """The names a call goes by: its callee's, and those reached through the annotated fields
        of project classes in other files (`Deps.client.get` is `httpx.AsyncClient.get`)."""
        known = self._names_memo.get(call.callee)
        if known is None:
            names = call.callee + through_fields(call.callee, self.bindings)
            # making an instance of a project class runs its __init__, a helper like any other
            known = names + tuple(f"{c}.__init__" for c in names if _class_like(c) and f"{c}.__init__" in self.functions)
            self._names_memo[call.callee] = known
        return known

    def _literal_method(self, callee: str) -> bool:
        owner = callee.rpartition(".")[0]
        if owner in self.modules:  # a module's function, not a constant's method: looking it up would ask to read the module
            return False
        value = self.bindings.get(owner)
        return isinstance(value, Opaque) and value.reason in LITERAL_CONSTANTS

    def analyse(self, qualname: str, subject: str) -> BodyAnalysis:
        function = self.functions.get(qualname)
        if function is None:
            return BodyAnalysis((), ())
        controlled = frozenset(p for p in function.params if p not in FRAMEWORK_PARAMS)
        capabilities, hygiene = self._walk(qualname, controlled, frozenset())
        capabilities = [replace(c, arguments=tuple(with_constants(a, self.constants) for a in c.arguments)) for c in capabilities]
        hygiene = tuple(HygieneFact(h.check, h.location, subject, h.detail) for h in hygiene)
        return BodyAnalysis(merge(capabilities), tuple(sorted(set(hygiene))))

    def _walk(self, qualname: str, controlled: frozenset[str], visiting: frozenset[str]):
        key = (qualname, controlled)
        if key in self._memo:
            return self._memo[key]
        if qualname in visiting or len(visiting) > MAX_HELPER_DEPTH:
            return (), ()
        capabilities: list[Capability] = []
        hygiene: list[HygieneFact] = []
        for call in self.functions[qualname].calls:
            for callee in self._names(call):
                entry = self.apis.get(callee)
                if entry is not None:
                    capabilities += api_capabilities(entry, call, controlled, self.sensitive_paths, self.code_runners)
                    hygiene += shell_hygiene(entry, call, controlled)
                    numbers = frozenset(self.functions[qualname].numbers)
                    hygiene += argument_hygiene(entry, call, target_arg(entry, call), controlled - numbers, self.code_runners)
                    break
                if callee in self.functions and callee != qualname:
                    helper_controlled = _controlled_params(self.functions[callee], call, controlled) | _closure(qualname, callee, controlled)
                    sub_caps, sub_hygiene = self._walk(callee, helper_controlled, visiting | {qualname})
                    capabilities += _through(sub_caps, self.functions[callee], call)
                    hygiene += sub_hygiene
                    break
        result = (tuple(capabilities), tuple(hygiene))
        self._memo[key] = result
        return result


def _closure(caller: str, callee: str, controlled: frozenset[str]) -> frozenset[str]:
    """A function nested in its caller reads the caller's names: what the model controls there,
    it controls in the nested function too (extract/python/functions.py gives their flows)."""
    return controlled if callee.startswith(caller + ".<locals>.") else frozenset()


def _class_like(name: str) -> bool:
    return name.rpartition(".")[2][:1].isupper()


def _controlled_params(helper: FunctionFact, call: CallSite, controlled: frozenset[str]) -> frozenset[str]:
    params = list(helper.params)
    offset = 1 if params and params[0] in ("self", "cls") else 0
    result = set()
    for arg in call.args:
        if not set(arg.params) & controlled:
            continue
        if arg.keyword is not None and arg.keyword in params:
            result.add(arg.keyword)
        elif arg.position is not None and arg.position + offset < len(params):
            result.add(params[arg.position + offset])
    return frozenset(result)


def _through(capabilities, helper: FunctionFact, call: CallSite) -> list[Capability]:
    short = helper.qualname.rsplit(".", 1)[-1]
    where = f"cell {call.location.cell}, line {call.location.line}" if call.location.cell else f"line {call.location.line}"
    return [
        Capability(
            c.label,
            c.confidence,
            tuple(Evidence(e.kind, f"{e.detail} via {short}() at {where}", e.location) for e in c.evidence),
            c.model_controlled,
            tuple(through_helper(argument, helper, call) for argument in c.arguments),
        )
        for c in capabilities
    ]


def merge(capabilities) -> tuple[Capability, ...]:
    """One capability per label: highest confidence, model-controlled if any evidence says so,
    evidence from all, deduplicated and sorted."""
    by_label: dict[str, list[Capability]] = {}
    for capability in capabilities:
        by_label.setdefault(capability.label, []).append(capability)
    merged = []
    for label, group in sorted(by_label.items()):
        evidence = tuple(sorted({e for c in group for e in c.evidence}, key=_evidence_order))
        arguments = tuple(sorted({a for c in group for a in c.arguments}))
        merged.append(
            Capability(label, max(c.confidence for c in group), evidence, any(c.model_controlled for c in group), arguments)
        )
    return tuple(merged)


def _evidence_order(evidence: Evidence):
    strength = ("api-call", "builtin-tool", "known-server", "annotation", "schema", "lexicon", "unknown-server")
    rank = strength.index(evidence.kind) if evidence.kind in strength else len(strength)
    return (rank, evidence.location or (), evidence.detail)


def builtin_capabilities(tool: ToolFact, rulesets: Rulesets) -> tuple[BuiltinTool, tuple[Capability, ...]] | None:
    """The catalog entry of a framework built-in tool and the labels it gives, or None when the
    catalog does not know the class."""
    entry = rulesets.builtin_index().get(tool.builtin or "")
    if entry is None:
        return None
    evidence = (Evidence("builtin-tool", f"{entry.framework} built-in {entry.tool_name} ({tool.builtin})", tool.location),)
    return entry, tuple(Capability(label, CONFIDENCE_CATALOG, evidence) for label in entry.labels)


def annotation_capabilities(tool: ToolFact) -> tuple[Capability, ...]:
    """MCP tool annotations: hints, not guarantees, so medium confidence."""
    hints = dict(tool.annotations)
    if hints.get("readOnlyHint"):
        return ()
    found = []
    if hints.get("destructiveHint"):
        found.append(Capability(FS_DELETE, CONFIDENCE_ANNOTATION, (Evidence("annotation", "destructiveHint: true", tool.location),)))
    if hints.get("openWorldHint"):
        evidence = (Evidence("annotation", "openWorldHint: true and not read-only", tool.location),)
        found += [Capability(UNTRUSTED_INPUT, CONFIDENCE_ANNOTATION, evidence), Capability(EXTERNAL_SEND, CONFIDENCE_ANNOTATION, evidence)]
    return tuple(found)


def lexicon_capabilities(tool: ToolFact, rulesets: Rulesets) -> tuple[Capability, ...]:
    """Labels from the words of what the model sees of a tool: its name, description and
    parameters. Never from the implementing method's name or docstring (a smolagents tool's
    `forward` is framework boilerplate the model never reads)."""
    name_words = words(tool.name)
    param_words = {w for p in tool.params for w in words(p)}
    text_words = words(tool.description)
    every = name_words | param_words | text_words
    found = []
    for entry in rulesets.lexicon:
        hits = []
        for group in entry.groups:
            hit = sorted(set(group) & every)
            if not hit:
                break
            hits.append(hit[0])
        else:
            where = "name" if set(hits) <= name_words else "name, parameters and description"
            evidence = (Evidence("lexicon", f"{where} words: {', '.join(hits)}", tool.location),)
            found.append(Capability(entry.label, CONFIDENCE_LEXICON, evidence))
    return tuple(found)


_WORD_BOUNDARY = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def words(text: str) -> set[str]:
    """Words of an identifier or a sentence: snake_case, camelCase and prose alike, lower-cased."""
    return {w.lower() for w in _WORD_BOUNDARY.findall(text or "")}
