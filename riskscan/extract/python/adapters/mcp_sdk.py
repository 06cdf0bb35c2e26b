"""MCP Python SDK servers: `FastMCP` (mcp 1.x `mcp.server.fastmcp`, its mcp 2.x successor
`MCPServer`, and the standalone `fastmcp` package) with `@server.tool`, `server.add_tool(fn)`; and
the low-level `Server` with its `list_tools` / `call_tool` handlers (decorators in mcp 1.x;
`on_list_tools=` / `on_call_tool=` or `add_request_handler("tools/call", ...)` in mcp 2.x), whose
tools are the `types.Tool(...)` a list_tools handler builds or returns (bound to names of this or
other modules, or built in a loop over literals), dispatched by call_tool (mcp_sdk_dispatch.py).
Tool names may be constants (extract/python/constants.py); annotations are read as
mcp_sdk_tools.py says. Names are those of mcp 1.x and 2.3.0 (`mcp_types` for 2.x's wire types).

Every server instance is one agent: whatever client connects to it holds all its tools in one
context.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from riskscan.extract.python.adapters import BaseAdapter
from riskscan.extract.python.adapters.declarations import (
    canonical_schema,
    decorator_parts,
    tool_parameters,
)
from riskscan.extract.python.adapters.mcp_sdk_dispatch import dispatch
from riskscan.extract.python.adapters.mcp_sdk_tools import (
    LoopTexts,
    loop_texts,
    name_parts_in_loop,
    tool_annotations,
)
from riskscan.extract.python.constants import constants_of, named
from riskscan.extract.python.parameters import named_function
from riskscan.extract.python.survey import Triggers
from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import INSTANCE, keyword, positional, string_value
from riskscan.types import (
    AgentFact,
    Condition,
    FunctionFact,
    Items,
    Location,
    Opaque,
    Ref,
    ToolFact,
    Value,
    When,
)

FRAMEWORK = "mcp-sdk"
HIGH_LEVEL_SERVERS = frozenset(
    {
        "mcp.server.fastmcp.FastMCP",
        "mcp.server.fastmcp.server.FastMCP",
        "mcp.server.FastMCP",
        "mcp.server.mcpserver.MCPServer",
        "mcp.server.mcpserver.server.MCPServer",
        "mcp.server.MCPServer",
        "fastmcp.FastMCP",
        "fastmcp.server.FastMCP",
        "fastmcp.server.server.FastMCP",
    }
)
LOW_LEVEL_SERVERS = frozenset({"mcp.server.Server", "mcp.server.lowlevel.Server", "mcp.server.lowlevel.server.Server"})
TOOL_DECORATORS = frozenset(f"{cls}.tool" for cls in HIGH_LEVEL_SERVERS)
ADD_TOOL = frozenset(f"{cls}.add_tool" for cls in HIGH_LEVEL_SERVERS)
LIST_TOOLS = frozenset(f"{cls}.list_tools" for cls in LOW_LEVEL_SERVERS)
REQUEST_HANDLERS = frozenset(f"{cls}.add_request_handler" for cls in LOW_LEVEL_SERVERS)  # mcp 2.x
# the handlers of a low-level server: constructor keywords and request methods (mcp 2.x)
ROLES = {"on_list_tools": "list", "on_call_tool": "call", "tools/list": "list", "tools/call": "call"}
CALL_TOOL = frozenset(f"{cls}.call_tool" for cls in LOW_LEVEL_SERVERS)
TOOL_TYPES = frozenset({"mcp.types.Tool", "mcp.Tool", "mcp_types.Tool"})  # mcp_types: mcp 2.x's wire types
LIST_RESULTS = frozenset({"mcp.types.ListToolsResult", "mcp_types.ListToolsResult"})  # what an mcp 2.x list_tools handler returns
CONTEXT_TYPES = frozenset(
    {
        "mcp.server.fastmcp.Context",
        "mcp.server.fastmcp.server.Context",
        "mcp.server.mcpserver.Context",
        "mcp.server.mcpserver.context.Context",
        "fastmcp.Context",
        "fastmcp.server.Context",
        "fastmcp.server.context.Context",
    }
)


@dataclass
class Server:
    id: str
    name: str
    location: Location
    condition: Condition
    tools: list[Value] = field(default_factory=list)
    list_handlers: list[cst.FunctionDef] = field(default_factory=list)
    # (handler, its form): mcp 1.x's decorator passes the name first, mcp 2.x's `params.name`
    call_handlers: list[tuple[cst.FunctionDef, str]] = field(default_factory=list)


class McpSdk(BaseAdapter):
    frameworks = (FRAMEWORK,)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.servers: dict[str, Server] = {}
        self.server_of_call: dict[int, str] = {}  # id(constructor Call) -> server id
        self.tool_of_call: dict[tuple[int, LoopTexts], str] = {}  # (id(`Tool(...)` Call), its loop's texts) -> tool id
        self.tools_of_call: dict[int, list[str]] = {}  # id(`Tool(...)` Call) -> every tool it made
        self.handler_server: dict[str, Server] = {}  # qualname of a list_tools handler -> its server
        self.returns: dict[str, list[Value]] = {}  # qualname of a function -> the values it returns

    def claims(self, callee: tuple[str, ...]) -> bool:
        return bool(set(callee) & (HIGH_LEVEL_SERVERS | LOW_LEVEL_SERVERS | ADD_TOOL | REQUEST_HANDLERS | TOOL_TYPES))

    @classmethod
    def triggers(cls) -> Triggers:
        return Triggers(names=HIGH_LEVEL_SERVERS | LOW_LEVEL_SERVERS | TOOL_TYPES)

    # --- servers -------------------------------------------------------------------------------

    def evaluate_call(self, ev, call, callee, scope, target, tools) -> Value | None:
        names = set(callee)
        if names & (HIGH_LEVEL_SERVERS | LOW_LEVEL_SERVERS):
            return self.server(ev, call, scope, target)
        if names & ADD_TOOL and isinstance(call.func, cst.Attribute):
            return self.add_tool(ev, call, scope)
        if names & REQUEST_HANDLERS and isinstance(call.func, cst.Attribute):
            self.request_handler(call)
            return None
        if names & TOOL_TYPES:
            return self.tool_value(call, scope, target)
        if names & LIST_RESULTS and keyword(call, "tools") is not None:
            return ev.evaluate(keyword(call, "tools"), scope)
        return None

    def observe_statement(self, interpreter, node, scope) -> None:
        if scope.kind == "function" and scope.returns and scope.qualname not in self.returns:
            self.returns[scope.qualname] = scope.returns  # the list the walk goes on filling

    def server(self, ev, call: cst.Call, scope, target: str | None) -> Value:
        ctx = self.ctx
        if id(call) in self.server_of_call:  # seen again in a loop
            return Ref(self.server_of_call[id(call)], ctx.loc(call))
        name = string_value(keyword(call, "name") or positional(call, 0)) or (target or "").rsplit(".", 1)[-1]
        server_id = target or f"{ctx.module_name}.<mcp server {name}>"
        self.servers[server_id] = Server(server_id, name, ctx.loc(call), scope.condition)
        self.server_of_call[id(call)] = server_id
        for role in ("on_list_tools", "on_call_tool"):
            self.attach(self.servers[server_id], role, keyword(call, role))
        return Ref(server_id, ctx.loc(call))

    def request_handler(self, call: cst.Call) -> None:
        """mcp 2.x `server.add_request_handler("tools/call", types.CallToolRequestParams, handler)`."""
        assert isinstance(call.func, cst.Attribute)
        server = self.server_named_by(call.func.value)
        method = string_value(keyword(call, "method") or positional(call, 0))
        if server is not None and method in ROLES:
            self.attach(server, method, keyword(call, "handler") or positional(call, 2))

    def attach(self, server: Server, role: str, handler: cst.BaseExpression | None) -> None:
        """A list_tools or call_tool handler (`role` as `ROLES` names it) named by `handler`."""
        if not isinstance(handler, cst.Name):
            return
        for definition in self.ctx.assignments_of_kind(handler, cst.FunctionDef):
            if ROLES[role] == "list":
                server.list_handlers.append(definition)
                self.handler_server[self.ctx.declarations.qualnames[id(definition)]] = server
            else:
                server.call_handlers.append((definition, "mcp2"))

    def server_named_by(self, node: cst.BaseExpression) -> Server | None:
        """The server an expression (`mcp` in `@mcp.tool()`) is bound to, through the scope."""
        if isinstance(node, cst.Call):
            server_id = self.server_of_call.get(id(node))
            return self.servers.get(server_id) if server_id else None
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):  # `self.server`, set in a method
            owner = self.ctx._self_class(node.value)
            stored = self.ctx.declarations.self_attributes.get((owner, node.attr.value), []) if owner else []
            return next((self.servers[self.server_of_call[id(v)]] for v in stored if id(v) in self.server_of_call), None)
        if not isinstance(node, cst.Name):
            return None
        for assignment in self.ctx.assignments(node):
            value = self.ctx.declarations.assigned.get(id(assignment.node))
            if value is not None and id(value) in self.server_of_call:
                return self.servers[self.server_of_call[id(value)]]
        return None

    # --- high-level tools ----------------------------------------------------------------------

    def on_function(self, interpreter, node: cst.FunctionDef, fact: FunctionFact, scope) -> None:
        ctx = self.ctx
        for decorator in node.decorators:
            func, options = decorator_parts(decorator.decorator)
            callee = set(ctx.callee_names(func))
            server = self.server_named_by(func.value) if isinstance(func, cst.Attribute) else None
            if callee & TOOL_DECORATORS:
                name = keyword(options, "name") or positional(options, 0) if options is not None else None
                self.register(server, node, fact.qualname, name, options, scope, ctx.loc(node.name))
            elif callee & LIST_TOOLS and server is not None:
                server.list_handlers.append(node)
                self.handler_server[fact.qualname] = server
            elif callee & CALL_TOOL and server is not None:
                server.call_handlers.append((node, "mcp1"))

    def add_tool(self, ev, call: cst.Call, scope) -> Value:
        ctx = self.ctx
        assert isinstance(call.func, cst.Attribute)
        server = self.server_named_by(call.func.value)
        function_node = positional(call, 0) or keyword(call, "fn") or keyword(call, "tool")
        function = ev.evaluate(function_node, scope) if function_node is not None else None
        if named_function(function) is None or not isinstance(function, Ref):
            ctx.diagnose(call, "unresolved-tool", "add_tool() of a value not known statically", "info")
            return function if function is not None else Opaque("add_tool() without a function", ctx.loc(call))
        node = ctx.function_nodes.get(function.qualname)
        self.register(server, node, function.qualname, keyword(call, "name") or positional(call, 1), call, scope, ctx.loc(call))
        return function

    def register(self, server: Server | None, node, qualname: str, name_node, options, scope, location) -> None:
        ctx = self.ctx
        description = string_value(keyword(options, "description")) if options is not None else None
        docstring = (node.get_docstring(clean=True) or "") if node is not None else ""
        # a name of constants of other modules is joined by the model; until then, the function's
        own = node.name.value if node is not None else qualname.rsplit(".", 1)[-1]
        name, name_parts = named(constants_of(ctx).parts(name_node), own)
        tool = ToolFact(
            qualname,
            name,
            FRAMEWORK,
            location,
            description=description if description is not None else docstring,
            function=qualname,
            params=tool_parameters(ctx, node, CONTEXT_TYPES) if node is not None else (),
            annotations=tool_annotations(ctx, keyword(options, "annotations") if options is not None else None),
            name_parts=name_parts,
        )
        tool_id = ctx.add_tool(tool)
        if server is None:
            ctx.diagnose(options or node, "unresolved-server", f"the server of tool {tool.name!r} is not known", "info")
            return
        ref = Ref(tool_id, location)
        server.tools.append(When(ref, scope.condition) if scope.condition else ref)

    # --- low-level servers ---------------------------------------------------------------------

    def finish(self, interpreter) -> None:
        ctx = self.ctx
        for server in self.servers.values():
            for handler in server.list_handlers:
                self.declared_tools(server, handler)
            for handler, form in server.call_handlers:
                dispatch(ctx, handler, form, server.tools)
            ctx.add_agent(
                AgentFact(
                    server.id,
                    f"MCP server '{server.name}' (client context)",
                    FRAMEWORK,
                    server.location,
                    tools=(Items(tuple(server.tools)),),
                    condition=server.condition,
                )
            )

    def tool_value(self, call: cst.Call, scope, target: str | None) -> Value | None:
        """`types.Tool(name=..., ...)` wherever it is built: in a list_tools handler (a tool of its
        server), bound to a name (`search_tool = types.Tool(...)`, which a handler of this or another
        module lists) or in a helper; its id is the name it is bound to, or its place's. Built in a
        loop over literals (`Tool(name=f"greet_{shape}") for shape in ("a", "b")`), one per pass."""
        texts = loop_texts(self.ctx, call, scope)
        known = self.tool_of_call.get((id(call), texts))
        if known is not None:
            return Ref(known, self.ctx.loc(call))
        server = self.handler_server.get(scope.qualname)
        if server is not None:
            tool_id = self.declared_tool(call, server.id, texts=texts)
        else:
            tool_id = self.declared_tool(call, scope.qualname, None if texts else target, diagnose=False, texts=texts)
        if tool_id is None:
            return Opaque("an MCP tool whose name is neither a literal nor a constant", self.ctx.loc(call))
        return Ref(tool_id, self.ctx.loc(call))

    def declared_tool(self, call: cst.Call, owner: str, target: str | None = None, diagnose: bool = True, texts: LoopTexts = ()) -> str | None:
        ctx = self.ctx
        name_node = keyword(call, "name")
        parts = name_parts_in_loop(ctx, name_node, dict(texts)) if name_node is not None else None
        if name_node is None or parts is None:
            if diagnose:
                ctx.diagnose(call, "unresolved-tool", "MCP tool whose name is neither a literal nor a constant", "info")
            return None
        name, name_parts = named(parts, ctx.module.code_for_node(name_node))
        schema, params = canonical_schema(keyword(call, "inputSchema") or keyword(call, "input_schema"))
        tool_id = ctx.add_tool(
            ToolFact(
                target or f"{owner}.<tool {name}>",
                name,
                FRAMEWORK,
                ctx.loc(call),
                description=string_value(keyword(call, "description")) or "",
                params=params,
                input_schema=schema,
                annotations=tool_annotations(ctx, keyword(call, "annotations")),
                name_parts=name_parts,
            )
        )
        self.tool_of_call[(id(call), texts)] = tool_id
        self.tools_of_call.setdefault(id(call), []).append(tool_id)
        return tool_id

    def declared_tools(self, server: Server, handler: cst.FunctionDef) -> None:
        """The tools a list_tools handler builds (`types.Tool(...)` in its body) and those it
        returns from elsewhere: a module's list, tools bound to names here or in other modules."""
        ctx = self.ctx
        finder = _CallFinder()
        handler.body.visit(finder)
        held: set[str] = set()
        for call in finder.calls:
            if not set(ctx.callee_names(call.func)) & TOOL_TYPES:
                continue
            made = self.tools_of_call.get(id(call)) or [self.declared_tool(call, server.id)]
            for tool_id in filter(None, made):
                server.tools.append(Ref(tool_id, ctx.loc(call)))
                held.add(tool_id)
        returned = self.returns.get(ctx.declarations.qualnames[id(handler)], ())
        found = [tool for value in returned for tool in self._returned(value, held)]
        if not held and not found:  # what it returns is not known: said so, as a tool not resolved
            found = [value for value in returned if isinstance(value, Opaque)]
        server.tools.extend(found)

    def _returned(self, value: Value, held: set[str]) -> list[Value]:
        """The references to tools in a returned value that are not already held: names of the
        project (what the model resolves across files), not instances of classes."""
        if isinstance(value, Items):
            return [found for item in value.items for found in self._returned(item, held)]
        if isinstance(value, When):
            return [When(found, value.condition) for found in self._returned(value.value, held)]
        if isinstance(value, Ref) and value.qualname not in held and not value.qualname.endswith(INSTANCE) and self.ctx.is_project(value.qualname):
            return [value]
        return []


class _CallFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)
