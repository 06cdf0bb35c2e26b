"""The statement walker: one pass over a file in order, keeping what each name holds.

It binds names (module bindings, function locals), follows lists built in code (`+=`, `append`,
`extend`, `insert`, loops over literal lists), carries the configuration condition of enclosing
`if`s, records every function, and hands definitions and calls to the adapters.
"""

from __future__ import annotations

from collections.abc import Sequence

from riskscan.extract.python.conditions import condition_of, negate
from riskscan.extract.python.context import FileContext
from riskscan.extract.python.functions import function_fact
from riskscan.extract.python.syntax import (
    cst,
    get_absolute_module_from_package_for_import,
    walk,
)
from riskscan.extract.python.parameters import DEFAULT, PARAMETER, SELF, store_on_self
from riskscan.extract.python.values import Evaluator, Scope, flatten_items, literal
from riskscan.types import Binding, Condition, Items, Opaque, Ref, Value, When

LIST_MUTATORS = ("append", "extend", "insert")  # methods of the builtin list


class Interpreter:
    def __init__(self, ctx: FileContext, evaluator: Evaluator, adapters: list) -> None:
        self.ctx = ctx
        self.ev = evaluator
        self.adapters = adapters
        self.known_conditions: dict[str, Condition] = {}  # qualified name -> condition it holds

    # --- entry ---------------------------------------------------------------------------------

    def run(self) -> None:
        scope = Scope("module", self.ctx.module_name)
        self.block(self.ctx.module.body, scope)
        for name, value in scope.values.items():
            qualname = f"{self.ctx.module_name}.{name}"
            if not (isinstance(value, Ref) and value.qualname == qualname):  # an agent bound to its id
                self.ctx.bindings[qualname] = Binding(qualname, value)

    # --- statements ----------------------------------------------------------------------------

    def block(self, statements: Sequence[cst.CSTNode], scope: Scope) -> None:
        for statement in statements:
            try:
                self.statement(statement, scope)
            except RecursionError:
                self.ctx.diagnose(statement, "too-deep", "expression nested too deeply; skipped", "info")

    def statement(self, node: cst.CSTNode, scope: Scope) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                self.small_statement(small, scope)
        elif isinstance(node, cst.FunctionDef):
            self.function(node, scope)
        elif isinstance(node, cst.ClassDef):
            qualname = self.ctx.declarations.qualnames[id(node)]
            self.block(node.body.body, Scope("class", qualname, condition=scope.condition))
        elif isinstance(node, cst.If):
            self.if_statement(node, scope, scope.condition)
        elif isinstance(node, cst.For):
            self.for_statement(node, scope)
        elif isinstance(node, cst.While):
            self.sweep(node.test, scope)
            self.branch(node.body, scope, scope.condition)
            if node.orelse is not None:
                self.branch(node.orelse.body, scope, scope.condition)
        elif isinstance(node, (cst.Try, cst.TryStar)):
            self.suite(node.body, scope)
            for handler in node.handlers:
                self.branch(handler.body, scope, scope.condition)
            if node.orelse is not None:
                self.branch(node.orelse.body, scope, scope.condition)
            if node.finalbody is not None:
                self.suite(node.finalbody.body, scope)
        elif isinstance(node, cst.With):
            for item in node.items:
                value = self.ev.evaluate(item.item, scope)
                if item.asname is not None and isinstance(item.asname.name, cst.Name):
                    self.bind(item.asname.name.value, value, scope)
            self.suite(node.body, scope)
        elif isinstance(node, cst.Match):
            self.sweep(node.subject, scope)
            for case in node.cases:
                self.branch(case.body, scope, scope.condition)
        for adapter in self.adapters:
            observe = getattr(adapter, "observe_statement", None)
            if observe is not None:
                observe(self, node, scope)

    def suite(self, suite: cst.BaseSuite, scope: Scope) -> None:
        self.block(suite.body, scope)

    def branch(self, suite: cst.BaseSuite, scope: Scope, condition: Condition | None) -> None:
        """Run a block that may not run; its condition is conjoined when it is a known one."""
        saved = (scope.condition, scope.in_branch)
        scope.condition = condition if condition is not None else scope.condition
        scope.in_branch = True
        self.suite(suite, scope)
        scope.condition, scope.in_branch = saved

    def if_statement(self, node: cst.If, scope: Scope, outer: Condition) -> None:
        self.sweep(node.test, scope)
        test = condition_of(node.test, self.ctx.names_of, self.known_conditions)
        self.branch(node.body, scope, outer + test if test is not None else None)
        if node.orelse is None:
            return
        negated = negate(test) if test is not None else None
        otherwise = outer + negated if negated is not None else None
        if isinstance(node.orelse, cst.If):
            saved = scope.condition
            scope.condition = otherwise if otherwise is not None else scope.condition
            self.if_statement(node.orelse, scope, scope.condition)
            scope.condition = saved
        else:
            self.branch(node.orelse.body, scope, otherwise)

    def for_statement(self, node: cst.For, scope: Scope) -> None:
        iterable = self.ev.evaluate(node.iter, scope)
        target = node.target
        if isinstance(iterable, Items) and isinstance(target, cst.Name):
            saved_condition = scope.condition
            for element, condition in flatten_items(iterable):
                scope.loop_values[target.value] = element
                scope.condition = saved_condition + condition
                self.suite(node.body, scope)
            scope.condition = saved_condition
            scope.loop_values.pop(target.value, None)
        else:
            if isinstance(target, cst.Name):
                scope.loop_values[target.value] = Opaque("loop over an iterable not known statically", self.ctx.loc(node.iter))
            self.branch(node.body, scope, scope.condition)
            if isinstance(target, cst.Name):
                scope.loop_values.pop(target.value, None)
        if node.orelse is not None:
            self.suite(node.orelse.body, scope)

    def function(self, node: cst.FunctionDef, outer: Scope) -> None:
        qualname = self.ctx.declarations.qualnames[id(node)]
        fact = function_fact(self.ctx, node, qualname)
        self.ctx.functions[qualname] = fact
        self.ctx.function_nodes[qualname] = node
        for decorator in node.decorators:
            self.sweep_decorator(decorator.decorator, outer)
        for adapter in self.adapters:
            on_function = getattr(adapter, "on_function", None)
            if on_function is not None:
                on_function(self, node, fact, outer)
        self.bind_defaults(node, qualname, outer)
        scope = Scope("function", qualname, condition=())
        self.suite(node.body, scope)
        self.bind_return(fact.qualname, node, scope)

    def bind_defaults(self, node: cst.FunctionDef, qualname: str, outer: Scope) -> None:
        """`<function>.<default>.<name>` for a default that is not a literal (`tools=DEFAULT_TOOLS`),
        evaluated where the function is defined: what a call that leaves the parameter out passes."""
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is None:
                continue
            try:
                literal(param.default)
            except ValueError:
                name = f"{qualname}{DEFAULT}{param.name.value}"
                self.ctx.bindings[name] = Binding(name, self.ev.evaluate(param.default, outer))

    def sweep_decorator(self, decorator: cst.BaseExpression, scope: Scope) -> None:
        if isinstance(decorator, cst.Call):
            self.ev.evaluate_arguments(decorator, scope)

    def bind_return(self, qualname: str, node: cst.FunctionDef, scope: Scope) -> None:
        """`<qualname>.<return>` for functions that return a list, a tool or an agent."""
        if not any(self._is_structural(value) for value in scope.returns):
            return
        name = f"{qualname}.<return>"
        self.ctx.bindings[name] = Binding(name, Items(tuple(scope.returns)))

    def _is_structural(self, value: Value) -> bool:
        if isinstance(value, (Items, When)):
            return True
        if isinstance(value, Ref):
            return (
                value.qualname in self.ctx.tools
                or value.qualname in self.ctx.agents
                or value.qualname.endswith(".<return>")
                or PARAMETER in value.qualname
                or SELF in value.qualname
            )
        return False

    # --- simple statements ---------------------------------------------------------------------

    def small_statement(self, node: cst.BaseSmallStatement, scope: Scope) -> None:
        ev = self.ev
        if isinstance(node, cst.Assign):
            single = len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name)
            target = scope.local_qualname(node.targets[0].target.value) if single else None
            value = ev.evaluate(node.value, scope, target=target)
            for assign_target in node.targets:
                self.assign(assign_target.target, value, scope)
            if single:
                self.remember_condition(node.targets[0].target, node.value, scope)
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            target = scope.local_qualname(node.target.value) if isinstance(node.target, cst.Name) else None
            self.assign(node.target, ev.evaluate(node.value, scope, target=target), scope)
        elif isinstance(node, cst.AugAssign):
            value = ev.evaluate(node.value, scope)
            if isinstance(node.target, cst.Name) and isinstance(node.operator, (cst.AddAssign, cst.BitOrAssign)):
                self.extend(node.target.value, _as_items(value), scope)
        elif isinstance(node, cst.Expr):
            if not self.mutate_list(node.value, scope):
                ev.evaluate(node.value, scope)
        elif isinstance(node, cst.Return) and node.value is not None:
            value = ev.evaluate(node.value, scope)
            scope.returns.append(When(value, scope.condition) if scope.condition else value)
        elif isinstance(node, (cst.Import, cst.ImportFrom)) and scope.kind == "module":
            self.imports(node, scope)
        self.sweep(node, scope)

    def assign(self, target: cst.BaseExpression, value: Value, scope: Scope) -> None:
        if isinstance(target, cst.Name):
            self.bind(target.value, value, scope)
        elif isinstance(target, cst.Attribute) and scope.kind == "function":
            store_on_self(self.ctx, target, value, scope.condition)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            parts = value.items if isinstance(value, Items) and len(value.items) == len(elements) else None
            for index, element in enumerate(elements):
                part = parts[index] if parts else Opaque("unpacked value", self.ctx.loc(element.value))
                self.assign(element.value, part, scope)

    def bind(self, name: str, value: Value, scope: Scope) -> None:
        if scope.in_branch and name in scope.values:
            value = Items((scope.values[name], When(value, scope.condition) if scope.condition else value))
        elif scope.condition and scope.in_branch:
            value = When(value, scope.condition)
        scope.values[name] = value

    def extend(self, name: str, new: tuple[Value, ...], scope: Scope, at_front: bool = False) -> None:
        if scope.condition:
            new = tuple(When(item, scope.condition) for item in new)
        old = scope.values.get(name)
        old_items = () if old is None else _as_items(old)
        scope.values[name] = Items(new + old_items if at_front else old_items + new)

    def mutate_list(self, node: cst.BaseExpression, scope: Scope) -> bool:
        """`tools.append(x)`, `tools.extend([...])`, `tools.insert(0, x)` on a list we follow."""
        if not (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and isinstance(node.func.value, cst.Name)
            and node.func.attr.value in LIST_MUTATORS
            and node.func.value.value in scope.values
        ):
            return False
        self.ev.seen.add(id(node))
        name, method = node.func.value.value, node.func.attr.value
        args = [arg.value for arg in node.args]
        # not a tools context: most lists followed here hold messages (`messages.append(UserMessage(...))`),
        # which a tools context would take for hosted tools of an unknown framework
        if method == "append" and len(args) == 1:
            self.extend(name, (self.ev.evaluate(args[0], scope),), scope)
        elif method == "extend" and len(args) == 1:
            self.extend(name, _as_items(self.ev.evaluate(args[0], scope)), scope)
        elif method == "insert" and len(args) == 2:
            at_front = isinstance(args[0], cst.Integer) and args[0].value == "0"
            self.extend(name, (self.ev.evaluate(args[1], scope),), scope, at_front)
        else:
            return False
        return True

    def remember_condition(self, target: cst.Name, value: cst.BaseExpression, scope: Scope) -> None:
        """`SHELL = os.getenv("SHELL") == "1"`: later `if SHELL:` is that condition."""
        condition = condition_of(value, self.ctx.names_of, self.known_conditions)
        if condition is not None and scope.kind == "module":
            self.known_conditions[f"{self.ctx.module_name}.{target.value}"] = condition

    def imports(self, node: cst.Import | cst.ImportFrom, scope: Scope) -> None:
        """Re-exports: `from .tools import search` binds `<module>.search` to `Ref(<pkg>.tools.search)`."""
        location = self.ctx.loc(node)
        if isinstance(node, cst.Import):
            for alias in node.names:
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    target = self.ctx.module.code_for_node(alias.name)
                    scope.values[alias.asname.name.value] = Ref(target, location)
            return
        if isinstance(node.names, cst.ImportStar):
            return
        try:
            source = get_absolute_module_from_package_for_import(self.ctx.package or None, node)
        except Exception:  # libcst raises a bare Exception for a relative import above the top
            source = None
        if source is None:
            self.ctx.diagnose(node, "unresolved-import", "relative import beyond the top-level package", "info")
            return
        for alias in node.names:
            local = alias.asname.name if alias.asname is not None else alias.name
            if isinstance(local, cst.Name):
                imported = self.ctx.module.code_for_node(alias.name)
                scope.values[local.value] = Ref(f"{source}.{imported}", location)

    def sweep(self, node: cst.CSTNode, scope: Scope) -> None:
        """Evaluate the framework calls and dict literals inside a statement we do not model: not
        inside nested statements, suites or lambdas, nor inside what is evaluated."""
        found: list[cst.BaseExpression] = []

        def enter(inner: cst.CSTNode) -> bool:
            kind = _SWEPT.get(type(inner))
            if kind is None:  # by type: isinstance against libcst's ABCs is slow, and this sees every node
                kind = _SWEPT[type(inner)] = _sweep_kind(inner)
            if kind == "enter" or (kind == "stop" and inner is node):
                return True
            if kind == "call":
                if any(a.claims(self.ctx.callee_names(inner.func)) for a in self.adapters):
                    found.append(inner)
                    return False
                return True
            if kind == "dict":
                found.append(inner)
            return False

        walk(node, enter)
        for expression in found:
            if id(expression) not in self.ev.seen:
                self.ev.evaluate(expression, scope)


_SWEPT: dict[type, str] = {}


def _sweep_kind(node: cst.CSTNode) -> str:
    if isinstance(node, (cst.BaseCompoundStatement, cst.BaseSuite, cst.Lambda)):
        return "stop"
    if isinstance(node, cst.Call):
        return "call"
    return "dict" if isinstance(node, cst.Dict) else "enter"


def _as_items(value: Value) -> tuple[Value, ...]:
    return value.items if isinstance(value, Items) else (value,)

