"""Which assignments a name refers to, and its qualified names: libcst's ScopeProvider, computed
by one plain walk of the tree instead of libcst's visitors.

libcst's provider walks the module with two visitors (expression contexts, then scopes), rebuilds
every node it passes and keeps an Access object for every name. The walk here takes its steps in
the same order and applies the same rules (tests/extract/test_scopes.py holds it to libcst's answers):
decorators, defaults, annotations and bases evaluated outside the scope they introduce, the first
iterable of a comprehension outside it, string annotations read as code, an access seeing the
assignments of its own scope made before it (else the enclosing ones), `a.b.c` read as the
longest dotted prefix that is bound. namespaces.py holds what each scope knows.
"""

from __future__ import annotations

from riskscan.extract.python.namespaces import Access, Assignment, ImportAssignment, Scope, dotted_names
from riskscan.extract.python.syntax import children_of, cst, get_full_name_for_node

_ASSIGNMENT_LIKE = (
    cst.AnnAssign, cst.AsName, cst.Assign, cst.AugAssign, cst.ClassDef, cst.CompFor, cst.FunctionDef, cst.Global,
    cst.Import, cst.ImportFrom, cst.NamedExpr, cst.Nonlocal, cst.Parameters, cst.WithItem, cst.TypeVar,
    cst.TypeAlias, cst.TypeVarTuple, cst.ParamSpec,
)
# punctuation, whitespace and operators: no name lies under them, nothing is asked about them
_TOKENS = (
    cst.BaseParenthesizableWhitespace, cst.Comment, cst.EmptyLine, cst.Newline, cst.TrailingWhitespace, cst.Comma,
    cst.Dot, cst.Colon, cst.Semicolon, cst.AssignEqual, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket,
    cst.RightSquareBracket, cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Asynchronous, cst.ImportStar,
    cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp,
)
# where libcst's ExpressionContextProvider changes the context under a node: the field that is
# stored to, or "*load" (everything under it is read), or "*assign" (its AssignTargets are stored)
_STORE_RULES = {
    cst.AnnAssign: "target", cst.AugAssign: "target", cst.NamedExpr: "target", cst.AsName: "name",
    cst.CompFor: "target", cst.Assign: "*assign", cst.Del: "*load", cst.Subscript: "*load",
}
_KINDS: dict[type, tuple[bool, bool]] = {}  # node type -> (a token, assignment-like)


def _kind(kind: type) -> tuple[bool, bool]:
    bases = kind.__mro__  # not issubclass: libcst's classes are ABCs, slow to test the first time
    known = _KINDS[kind] = (any(base in _TOKENS for base in bases), any(base in _ASSIGNMENT_LIKE for base in bases))
    return known


class Scopes:
    """The scope of every node of a module that libcst gives one, from one walk in the order of
    libcst's ScopeVisitor; `get(node)` is what `resolve(ScopeProvider).get(node)` gives."""

    def __init__(self, module: cst.Module) -> None:
        self.of: dict[int, Scope] = {}  # id(node) -> scope; only for nodes something may ask about
        self.scope = self.globals = Scope("global", Scope("builtin", None))
        self.scope.parent.globals = self.scope.globals = self.scope
        self.accesses: list[Access] = []
        self.attributes: list = [None]  # the outermost attribute being read, per call level
        self.in_annotation: list[bool] = [False]
        self.in_type_hint: list[bool] = [False]
        self.ignored_subscripts: set[int] = set()
        self.string: cst.CSTNode | None = None  # the string annotation being read
        self.no_context = 0  # inside type parameters, where libcst knows no assignment targets
        self.handlers = {
            cst.Import: self._import, cst.ImportFrom: self._import, cst.Attribute: self._attribute,
            cst.Call: self._call, cst.Annotation: self._annotation, cst.SimpleString: self._simple_string,
            cst.ConcatenatedString: self._concatenated_string, cst.Subscript: self._subscript,
            cst.FunctionDef: self._function, cst.Lambda: self._lambda, cst.Param: self._param, cst.Arg: self._arg,
            cst.ClassDef: self._class, cst.Global: self._global, cst.Nonlocal: self._nonlocal,
            cst.ListComp: self._comprehension, cst.SetComp: self._comprehension, cst.DictComp: self._comprehension,
            cst.GeneratorExp: self._comprehension, cst.For: self._for, cst.TypeAlias: self._type_alias,
            cst.TypeVar: self._type_var, cst.TypeVarTuple: self._type_name, cst.ParamSpec: self._type_name,
            cst.Name: self._name,
        }
        self.typing_bound = False  # something named typing* bound yet (typing.cast and the like)
        self.visit(module, False)
        self._infer_accesses()

    def get(self, node: cst.CSTNode, default=None) -> Scope | None:
        return self.of.get(id(node), default)

    # --- the walk ------------------------------------------------------------------------------

    def visit(self, node: cst.CSTNode, store: bool) -> None:
        """Visit `node`; `store`: the names under it are assignment targets (libcst's
        ExpressionContext.STORE) unless an attribute's value or a subscript resets it."""
        handler = self.handlers.get(type(node))
        if handler is None or handler(node, store):
            self._children(node, store)
        self._leave(node)

    def _children(self, node: cst.CSTNode, store: bool) -> None:
        kinds, rule = _KINDS, _STORE_RULES.get(type(node))
        target = getattr(node, rule) if rule is not None and rule[0] != "*" else None
        for child in children_of(node):
            kind = kinds.get(type(child)) or _kind(type(child))
            if kind[0]:
                continue
            if rule is None:
                self.visit(child, store)
            elif rule == "*load":
                self.visit(child, False)
            elif rule == "*assign":
                self.visit(child, store or type(child) is cst.AssignTarget)
            else:
                self.visit(child, store or child is target)

    def _leave(self, node: cst.CSTNode) -> None:
        if self.string is None:  # a string annotation's own tree is gone once read
            self.of[id(node)] = self.scope
        if (_KINDS.get(type(node)) or _kind(type(node)))[1]:
            self.scope.count += 1
        if type(node) is cst.Call:
            self.attributes.pop()
            self.in_type_hint.pop()
        elif type(node) is cst.Annotation:
            self.in_annotation.pop()
        elif type(node) is cst.Subscript:
            self.in_type_hint.pop()
            self.ignored_subscripts.discard(id(node))

    # --- what libcst's ScopeVisitor does at each kind of node ----------------------------------

    def _record(self, name: str, node: cst.CSTNode, kind: type = Assignment) -> None:
        self.scope.record(name, node, kind)
        self.typing_bound |= "typing" in name

    def _name(self, node: cst.Name, store: bool) -> bool:
        if store and self.string is None and not self.no_context:
            self._record(node.value, node)
        else:  # a read (or a name libcst gives no expression context)
            self.accesses.append(Access(node, self.scope, self.attributes[-1], self.string))
        return True

    def _import(self, node: cst.Import | cst.ImportFrom, store: bool) -> bool:
        if isinstance(node.names, cst.ImportStar):
            return False
        module = node.module if isinstance(node, cst.ImportFrom) else None
        for alias in node.names:
            self.of[id(alias)] = self.scope
            bound = alias.asname.name if alias.asname is not None else alias.name
            for name, _ in dotted_names(bound):
                self._record(name, node, ImportAssignment)
            for imported in (module, alias.name):
                self.typing_bound |= imported is not None and "typing" in (get_full_name_for_node(imported) or "")
        return False

    def _attribute(self, node: cst.Attribute, store: bool) -> bool:
        if self.attributes[-1] is None:
            self.attributes[-1] = node
        self.visit(node.value, False)
        if self.attributes[-1] is node:
            self.attributes[-1] = None
        return False

    def _call(self, node: cst.Call, store: bool) -> bool:
        self.attributes.append(None)
        self.in_type_hint.append(False)
        if not self.typing_bound:  # the names of typing asked about next cannot be bound yet
            return True
        names = {q.name for q in self.scope.get_qualified_names_for(node)}
        if "typing.NewType" in names or "typing.TypeVar" in names:
            self.visit(node.func, store)
            self.in_type_hint[-1] = True
            for arg in node.args[1:]:
                self.visit(arg, store)
            return False
        if "typing.cast" in names:
            self.visit(node.func, store)
            if node.args:
                self.in_type_hint.append(True)
                self.visit(node.args[0], store)
                self.in_type_hint.pop()
                for arg in node.args[1:]:
                    self.visit(arg, store)
            return False
        return True

    def _annotation(self, node: cst.Annotation, store: bool) -> bool:
        self.in_annotation.append(True)
        return True

    def _simple_string(self, node: cst.SimpleString, store: bool) -> bool:
        self._string_annotation(node)
        return False

    def _concatenated_string(self, node: cst.ConcatenatedString, store: bool) -> bool:
        return not self._string_annotation(node)

    def _string_annotation(self, node: cst.BaseString) -> bool:
        """A string in an annotation or a typing subscript is read as the code it holds."""
        if not (self.in_type_hint[-1] or self.in_annotation[-1]) or self.ignored_subscripts:
            return False
        value = node.evaluated_value
        if not value:
            return False
        outermost = self.string is None
        if outermost:
            self.string = node
        try:
            self.visit(cst.parse_module(value), False)
        except cst.ParserSyntaxError:
            pass
        if outermost:
            self.string = None
        return True

    def _subscript(self, node: cst.Subscript, store: bool) -> bool:
        in_type_hint = False
        if isinstance(node.value, cst.Name) and self.typing_bound:
            names = {q.name for q in self.scope.get_qualified_names_for(node.value)}
            in_type_hint = any(name.startswith(("typing.", "typing_extensions.")) for name in names)
            if "typing.Literal" in names or "typing_extensions.Literal" in names:
                self.ignored_subscripts.add(id(node))
        self.in_type_hint.append(in_type_hint)
        return True

    def _type_parameters(self, node: cst.FunctionDef | cst.ClassDef, outer: Scope, store: bool) -> None:
        if node.type_parameters:
            self.scope = Scope("annotation", outer, node)
            self.no_context += 1  # libcst's expression contexts skip type parameters
            self.visit(node.type_parameters, store)
            self.no_context -= 1

    def _function(self, node: cst.FunctionDef, store: bool) -> bool:
        outer = self.scope
        self._record(node.name.value, node)
        self.of[id(node.name)] = outer
        self._type_parameters(node, outer, store)
        around = self.scope
        self.scope = Scope("function", around, node, node.name.value)
        self.visit(node.params, store)
        self.visit(node.body, store)
        self.scope = around
        for decorator in node.decorators:
            self.visit(decorator, store)
        if node.returns:
            self.visit(node.returns, store)
        self.scope = outer
        return False

    def _lambda(self, node: cst.Lambda, store: bool) -> bool:
        outer = self.scope
        self.scope = Scope("function", outer, node)
        self.visit(node.params, store)
        self.visit(node.body, store)
        self.scope = outer
        return False

    def _param(self, node: cst.Param, store: bool) -> bool:
        current = self.scope
        self._record(node.name.value, node)
        self.of[id(node.name)] = current
        self.scope = current.parent  # defaults and annotations are evaluated outside
        for value in (node.default, node.annotation):
            if value:
                self.visit(value, store)
        self.scope = current
        return False

    def _arg(self, node: cst.Arg, store: bool) -> bool:
        if node.value:  # a keyword is neither read nor bound
            self.visit(node.value, store)
        return False

    def _class(self, node: cst.ClassDef, store: bool) -> bool:
        outer = self.scope
        self._record(node.name.value, node)
        self.of[id(node.name)] = outer
        for decorator in node.decorators:
            self.visit(decorator, store)
        self._type_parameters(node, outer, store)
        for base in (*node.bases, *node.keywords):
            self.visit(base, store)
        self.scope = Scope("class", self.scope, node, node.name.value)
        for statement in node.body.body:
            self.visit(statement, store)
        self.scope = outer
        return False

    def _global(self, node: cst.Global, store: bool) -> bool:
        for item in node.names:
            if self.scope.kind != "global":
                self.scope.overwrites[item.name.value] = self.scope.globals
        return False

    def _nonlocal(self, node: cst.Nonlocal, store: bool) -> bool:
        for item in node.names:
            if self.scope.kind == "global":
                raise NotImplementedError("nonlocal declaration not allowed at module level")  # as libcst
            self.scope.overwrites[item.name.value] = self.scope.parent
        return False

    def _comprehension(self, node: cst.BaseComp, store: bool) -> bool:
        for_in = node.for_in
        self.visit(for_in.iter, store)  # the first iterable is evaluated outside
        outer = self.of[id(for_in)] = self.scope
        self.scope = Scope("comprehension", outer, node)
        self.visit(for_in.target, True)
        self.scope.count += 1
        for condition in for_in.ifs:
            self.visit(condition, store)
        if for_in.inner_for_in:
            self.visit(for_in.inner_for_in, store)
        for value in (node.key, node.value) if isinstance(node, cst.DictComp) else (node.elt,):
            self.visit(value, store)
        self.scope = outer
        return False

    def _for(self, node: cst.For, store: bool) -> bool:
        self.visit(node.target, True)
        self.scope.count += 1
        for child in (node.iter, node.body, node.orelse):
            if child is not None:
                self.visit(child, store)
        return False

    def _type_alias(self, node: cst.TypeAlias, store: bool) -> bool:
        outer = self.scope
        self._record(node.name.value, node)
        self.scope = Scope("annotation", outer, node)
        if node.type_parameters is not None:
            self.visit(node.type_parameters, store)
        self.visit(node.value, store)
        self.scope = outer
        return False

    def _type_var(self, node: cst.TypeVar, store: bool) -> bool:
        self._record(node.name.value, node)
        if node.bound is not None:
            self.visit(node.bound, store)
        return False

    def _type_name(self, node: cst.TypeVarTuple | cst.ParamSpec, store: bool) -> bool:
        self._record(node.name.value, node)
        return False

    def _infer_accesses(self) -> None:
        """What each read refers to: libcst's ScopeVisitor.infer_accesses, once the walk is done."""
        for access in self.accesses:
            name = access.node.value
            if access.attribute is not None:  # `a.b.c` reads the longest bound prefix
                for dotted, node in dotted_names(access.attribute):
                    if dotted in access.scope:
                        access.node, name = node, dotted
                        break
            if access.string is not None:
                access.node = access.string
            scope = access.scope
            assignments = scope.resolve(name, scope)
            previous = [a for a in assignments if a.scope is not scope or a.index < access.index]
            if not previous and assignments and scope.parent is not scope:
                previous = scope.parent.resolve(name, scope)
            access.referents = previous
            scope.accesses.setdefault(id(access.node), []).append(access)
