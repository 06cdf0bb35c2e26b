"""The types of instances in one file: what a receiver is, so that a method call resolves to a
qualified name of the catalog (`s = requests.Session(); s.post(...)` is `requests.Session.post`).
From constructor calls and catalogued factories (a literal argument may select the class:
`boto3.client("s3")`), through local and module names, `with ... as`, attributes set in
`__init__`, annotated parameters and fields, a framework context's type argument
(`ctx: RunContext[Deps]`), and a same-file function's return annotation. FileContext has these
methods; they read its scopes, names and declarations."""

from __future__ import annotations

from riskscan.extract.python.syntax import cst


class ReceiverTypes:
    def callee_names(self, func: cst.BaseExpression) -> tuple[str, ...]:
        """Qualified names of a called expression, following instances to their class."""
        if isinstance(func, cst.Subscript):  # Agent[Context](...)
            func = func.value
        chain: list[str] = []
        base = func
        while isinstance(base, cst.Attribute):
            chain.insert(0, base.attr.value)
            base = base.value
            owners = self.instance_types(base)
            if owners:
                suffix = ".".join(chain)
                return tuple(sorted({f"{owner}.{suffix}" for owner in owners}))
        if chain and isinstance(base, (cst.BooleanOperation, cst.IfExp)):
            # `(arguments or {}).get(...)`, `(name or "").strip()`: a method of either value, typed
            # by whichever riskscan can type (the default's literal), else named by the left one
            suffix = ".".join(chain)
            left, right = (base.left, base.right) if isinstance(base, cst.BooleanOperation) else (base.body, base.orelse)
            owners = set(self.instance_types(left)) | set(self.instance_types(right))
            if not owners and isinstance(left, cst.Name):
                owners = set(self.names_of(left))
            return tuple(sorted({f"{owner}.{suffix}" for owner in owners}))
        if chain and isinstance(base, cst.BinaryOperation) and not isinstance(base.operator, cst.Divide):
            # `(deadline - now).total_seconds()`: a method of what arithmetic on typed values gives,
            # named after the left operand's class (the same module: datetime, a number, text)
            owners = self.instance_types(base.left) or self.instance_types(base.right)
            if owners:
                return tuple(sorted({f"{owner}.{'.'.join(chain)}" for owner in owners}))
        if chain and isinstance(base, cst.Await) and isinstance(base.expression, cst.Call):
            base = base.expression  # `(await request.body()).decode()`: a method of what the call returned
        if chain and not isinstance(base, (cst.Name, cst.Call, cst.Subscript)):
            return ()  # a method of a literal or an expression we cannot type
        names = self.names_of(func)
        if chain and isinstance(base, cst.Call):
            # libcst names `open(path).read` `builtins.open`: a method of what a builtin returned
            # is not the builtin called again; and `PATTERN.sub(...).strip` is a method of what
            # re.Pattern.sub returned, not of the module's name PATTERN
            suffix = ".".join(chain)
            inner = self.callee_names(base.func)
            if inner and not any(self.is_project(n) for n in inner):
                names = inner
            names = tuple(sorted({n if n.endswith("." + suffix) else f"{n}.{suffix}" for n in names}))
        return names

    def instance_types(self, node: cst.BaseExpression) -> tuple[str, ...]:
        """The classes `node` is an instance of, when known: a constructor call, a name bound to
        one (module-level or local), a `with ... as` name, an annotated parameter, `self`."""
        if isinstance(node, cst.Await):
            node = node.expression
        literal = _literal_type(node)
        if literal:
            return (literal,)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):  # Path / name
            return self.instance_types(node.left)
        if isinstance(node, cst.Call):
            callee = self.callee_names(node.func)
            if node.args and {"contextlib.closing", "contextlib.nullcontext"} & set(callee):  # give back their argument
                return self.instance_types(node.args[0].value)
            factories = self.rulesets.factory_index()
            returned = {factories[n] for n in callee if n in factories} | set(self._declared_return(node.func))
            returned |= set(self._selected_class(node, callee))
            return tuple(sorted(returned | {n for n in callee if looks_like_class(n)}))
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            owners = self._self_class(node.value)
            if owners:
                values = self.declarations.self_attributes.get((owners, node.attr.value), [])
                return _state(tuple(sorted({t for v in values for t in self._guarded_types(v)})))
        if isinstance(node, cst.Attribute):
            return self._field_types(node)
        if isinstance(node, cst.Subscript):  # `client["shop"]`: what the class's __getitem__ returns
            factories = self.rulesets.factory_index()
            return tuple(sorted({factories[f"{o}.__getitem__"] for o in self.instance_types(node.value) if f"{o}.__getitem__" in factories}))
        if not isinstance(node, cst.Name):
            return ()
        found: set[str] = set()
        for assignment in self.assignments(node):
            target = assignment.node
            if isinstance(target, cst.Name) and id(target) in self.declarations.assigned:
                types = self._guarded_types(self.declarations.assigned[id(target)])
                types = _state(types) if getattr(assignment.scope, "kind", "") in ("global", "class") else types
                found.update(self._entered(types) if id(target) in self.declarations.entered else types)
            elif isinstance(target, cst.Param):
                annotation = self.declarations.annotations.get(id(target))
                if annotation is not None:
                    found.update(n for n in self.names_of(annotation) if looks_like_class(n))
                elif self._self_class(node):
                    found.add(self._self_class(node))
        return tuple(sorted(found))

    def _field_types(self, node: cst.Attribute) -> tuple[str, ...]:
        """The classes of `value.field`: a field a class of this file annotates (`client: AsyncClient`
        of a dataclass), or a framework context's field typed by its argument (`ctx.deps` of a
        `ctx: RunContext[Deps]`, as the catalog's `generic_fields` say)."""
        found: set[str] = set()
        generic = self.rulesets.generic_field_index()
        for owner in self.instance_types(node.value):
            if (owner, node.attr.value) in generic:
                found.update(self._type_arguments(node.value))
            annotation = self.declarations.class_fields.get((owner, node.attr.value))
            if annotation is not None:
                found.update(n for n in self.names_of(annotation) if looks_like_class(n))
            found.update(self._catalogued_attribute(owner, node.attr.value))
        return tuple(sorted(found))

    def _catalogued_attribute(self, owner: str, name: str) -> tuple[str, ...]:
        """What the catalog says an attribute of a library class holds: a property written as an
        alias (`GraphServiceClient.me`), or any attribute through `__getattr__` (pymongo's
        `client.shop` is a Database)."""
        attributes = self.rulesets.attribute_type_index()
        if f"{owner}.{name}" in attributes:
            return (attributes[f"{owner}.{name}"],)
        dynamic = self.rulesets.factory_index().get(f"{owner}.__getattr__")
        return (dynamic,) if dynamic and not name.startswith("_") else ()

    def _entered(self, types: tuple[str, ...]) -> tuple[str, ...]:
        """The classes a `with ... as` name holds: what each context manager's `__enter__` (or
        `__aenter__`) returns where the catalog says, else the manager itself (most return self)."""
        factories = self.rulesets.factory_index()
        return tuple(sorted({factories.get(f"{t}.__enter__") or factories.get(f"{t}.__aenter__") or t for t in types}))

    def _type_arguments(self, node: cst.BaseExpression) -> tuple[str, ...]:
        """The classes of the first type argument of a parameter's annotation: `Deps` of `ctx: RunContext[Deps]`."""
        if not isinstance(node, cst.Name):
            return ()
        found: set[str] = set()
        for assignment in self.assignments(node):
            annotation = self.declarations.annotations.get(id(assignment.node)) if isinstance(assignment.node, cst.Param) else None
            if isinstance(annotation, cst.Subscript) and annotation.slice:
                first = annotation.slice[0].slice
                if isinstance(first, cst.Index):
                    found.update(n for n in self.names_of(first.value) if looks_like_class(n))
        return tuple(sorted(found))

    def _selected_class(self, node: cst.Call, callee: tuple[str, ...]) -> tuple[str, ...]:
        """`boto3.client("s3")`: the class a factory returns, named by its literal argument."""
        selected = self.rulesets.selected_factory_index()
        found = []
        for name in callee:
            if name not in selected:
                continue
            returns, position, keyword = selected[name]
            positional = [a for a in node.args if a.keyword is None and not a.star]
            chosen = next((a.value for a in node.args if a.keyword is not None and a.keyword.value == keyword), None)
            if chosen is None and position is not None and position < len(positional):
                chosen = positional[position].value
            if isinstance(chosen, cst.SimpleString) and isinstance(chosen.evaluated_value, str):
                found.append(f"{returns}.{chosen.evaluated_value.replace('-', '_')}")
        return tuple(found)

    def _declared_return(self, func: cst.BaseExpression) -> tuple[str, ...]:
        """The classes a function of this file says it returns (`def make_client() -> httpx.AsyncClient`)."""
        if not isinstance(func, cst.Name):
            return ()
        found: set[str] = set()
        for assignment in self.assignments(func):
            definition = assignment.node
            if isinstance(definition, cst.FunctionDef) and definition.returns is not None:
                found.update(n for n in self.names_of(definition.returns.annotation) if looks_like_class(n))
        return tuple(sorted(found))

    def _guarded_types(self, value: cst.BaseExpression) -> tuple[str, ...]:
        """The types of an assigned value, each value worked out once: a name assigned many times
        from itself (`node = node.parent` in a loop) would otherwise be explored in every order."""
        known = self._types_of_values.get(id(value))
        if known is not None:
            return known
        if id(value) in self._types_in_progress:  # x = x.child() loops
            return ()
        self._types_in_progress.add(id(value))
        try:
            found = self.instance_types(value)
        finally:
            self._types_in_progress.discard(id(value))
        self._types_of_values[id(value)] = found
        return found

    def _self_class(self, node: cst.Name) -> str:
        """The class qualname when `node` is the first parameter of a method."""
        for assignment in self.assignments(node):
            if not isinstance(assignment.node, cst.Param):
                continue
            scope = assignment.scope
            function = getattr(scope, "node", None)
            if isinstance(function, cst.FunctionDef) and id(function) in self.declarations.method_class:
                params = function.params.posonly_params + function.params.params
                if params and params[0] is assignment.node and not self._is_staticmethod(function):
                    return self.declarations.method_class[id(function)]
        return ""

    def _is_staticmethod(self, function: cst.FunctionDef) -> bool:
        return any("builtins.staticmethod" in self.names_of(d.decorator) for d in function.decorators)


_LITERALS = {cst.List: "builtins.list", cst.ListComp: "builtins.list", cst.Dict: "builtins.dict",
             cst.DictComp: "builtins.dict", cst.Set: "builtins.set", cst.SetComp: "builtins.set",
             cst.Tuple: "builtins.tuple", cst.FormattedString: "builtins.str", cst.ConcatenatedString: "builtins.str"}


def _state(types: tuple[str, ...]) -> tuple[str, ...]:
    """The types of an object's or a module's state, without the builtin containers a literal
    gave it: a list a function fills and returns is its own scratch, but `self.outbox = []` of a
    simulated mailbox, or a module's `SENT = []`, may be what the object stands for (a send),
    so its methods stay unknown and the words of the names around them keep counting."""
    return tuple(t for t in types if not t.startswith("builtins."))


def _literal_type(node: cst.BaseExpression) -> str:
    """The builtin type of a literal (`parts = []`: `parts.append` is `builtins.list.append`)."""
    if isinstance(node, cst.SimpleString):
        return "builtins.bytes" if "b" in node.prefix.lower() else "builtins.str"
    return _LITERALS.get(type(node), "")


def looks_like_class(qualname: str) -> bool:
    last = qualname.rsplit(".", 1)[-1]
    return bool(last) and last[0].isupper()
