"""Tools registered on an object this file imports: `@mcp.tool()` with `mcp` a FastMCP server made
in another module, `@agent.tool` / `@agent.tool_plain` with a Pydantic AI agent made elsewhere.

The file cannot tell what the object is, so it records the tool and a `Registration` naming the
object's qualified name; the model stage attaches the tool when that name is an agent or server.
Objects whose type this file does know are left to the framework adapters."""

from __future__ import annotations

from riskscan.extract.python.adapters import BaseAdapter
from riskscan.extract.python.adapters.declarations import (
    decorator_parts,
    tool_parameters,
)
from riskscan.extract.python.adapters.mcp_sdk import CONTEXT_TYPES
from riskscan.extract.python.constants import constants_of, named
from riskscan.extract.python.survey import Triggers
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import keyword, positional, string_value
from riskscan.types import Gate, Ref, Registration, ToolFact, When

FRAMEWORK = "registered"  # the model stage replaces it with the framework of the object
REGISTERING_METHODS = frozenset({"tool", "tool_plain"})
RUN_CONTEXT_TYPES = CONTEXT_TYPES | {"pydantic_ai.RunContext", "pydantic_ai.tools.RunContext"}


class Registrations(BaseAdapter):
    @classmethod
    def triggers(cls) -> Triggers:
        return Triggers(methods=REGISTERING_METHODS)

    def on_function(self, interpreter, node: cst.FunctionDef, fact, scope) -> None:
        for decorator in node.decorators:
            func, options = decorator_parts(decorator.decorator)
            target = self._imported_object(func)
            if target is None:
                continue
            name_node = keyword(options, "name") or positional(options, 0) if options is not None else None
            name, name_parts = named(constants_of(self.ctx).parts(name_node), node.name.value)
            description = string_value(keyword(options, "description")) if options is not None else None
            location = self.ctx.loc(node.name)
            tool_id = self.ctx.add_tool(
                ToolFact(
                    fact.qualname,
                    name,
                    FRAMEWORK,
                    location,
                    description=description if description is not None else (node.get_docstring(clean=True) or ""),
                    function=fact.qualname,
                    params=tool_parameters(self.ctx, node, RUN_CONTEXT_TYPES),
                    gates=self._approval(options),
                    name_parts=name_parts,
                )
            )
            ref = Ref(tool_id, location)
            value = When(ref, scope.condition) if scope.condition else ref
            self.ctx.registrations.append(Registration(target, value, location))

    def _approval(self, options: cst.Call | None) -> tuple[Gate, ...]:
        """`@agent.tool(requires_approval=True)`: Pydantic AI defers the call until it is approved."""
        flag = keyword(options, "requires_approval") if options is not None else None
        if isinstance(flag, cst.Name) and flag.value == "True":
            return (Gate("approval", "requires_approval=True", self.ctx.loc(flag)),)
        return ()

    def _imported_object(self, func: cst.BaseExpression) -> str | None:
        """The qualified name of `x` in `@x.tool`, when `x` is a name imported from a module."""
        if not (isinstance(func, cst.Attribute) and func.attr.value in REGISTERING_METHODS):
            return None
        if not isinstance(func.value, cst.Name) or self.ctx.instance_types(func.value):
            return None
        if not self.ctx.assignments_of_kind(func.value, cst.ImportFrom):
            return None
        names = self.ctx.names_of(func.value)
        return names[0] if names else None
