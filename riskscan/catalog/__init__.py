"""The API catalog's files (kind `apis`: rulesets/apis*.yaml) read into the entries the labeller
looks up: each entry and factory under its own name and the names re-exports give it (`aliases`),
harmless names and patterns, the paths that hold secrets, the programs that run code, the fields
a framework's context types by its argument, and the classes attributes hold."""

from __future__ import annotations

from dataclasses import dataclass, replace

from riskscan.catalog.commands import CodeRunners, read_code_runners


@dataclass(frozen=True)
class ApiEntry:
    """A dangerous API: calling `name` gives the enclosing tool `labels`. `target_*` locate the
    argument that decides where the danger goes (a URL, a command, a path); when the model
    controls that argument, `if_model_controlled` labels are added too."""

    name: str
    labels: tuple[str, ...]
    target_position: int | None = None
    target_keyword: str | None = None
    target_receiver: bool = False  # the target is the object the method is called on
    if_model_controlled: tuple[str, ...] = ()
    sink: str | None = None  # url | path | shell | sql: what the target is, for argument checks
    shell: bool = False  # the target is a shell command line
    shell_keyword: str | None = None  # ... only when this keyword is literally True (shell=True)
    argv: str | None = None  # a process start: "list" (target = [program, *args]) or "rest" (program, *args)
    # open()-like calls: the mode argument's place; a literal mode with w/a/x/+ writes, and then
    # `write_labels` replace `labels`.
    mode_position: int | None = None
    mode_keyword: str | None = None
    write_labels: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Catalog:
    apis: tuple[ApiEntry, ...]
    factories: tuple[tuple[str, str], ...]
    selected_factories: tuple[tuple[str, str, int | None, str | None], ...]
    sensitive_paths: tuple[str, ...]
    code_runners: CodeRunners
    harmless: tuple[str, ...]
    generic_fields: tuple[tuple[str, str], ...]
    attribute_types: tuple[tuple[str, str], ...]


def read_catalog(documents: list[dict]) -> Catalog:
    def entries(key: str) -> list[dict]:
        return [entry for document in documents for entry in document.get(key, [])]

    apis = tuple(
        ApiEntry(
            name=e["name"],
            labels=tuple(e.get("labels", ())),
            target_position=e.get("target", {}).get("position"),
            target_keyword=e.get("target", {}).get("keyword"),
            target_receiver=e.get("target", {}).get("receiver", False),
            if_model_controlled=tuple(e.get("if_model_controlled", ())),
            sink=e.get("sink"),
            shell=e.get("shell", False),
            shell_keyword=e.get("shell_keyword"),
            argv=e.get("argv"),
            mode_position=e.get("mode", {}).get("position"),
            mode_keyword=e.get("mode", {}).get("keyword"),
            write_labels=tuple(e.get("mode", {}).get("write_labels", ())),
            note=e.get("note", ""),
        )
        for e in entries("apis")
    )
    aliases = tuple((e["name"], e["means"]) for e in entries("aliases"))
    apis = apis + tuple(replace(entry, name=name) for entry in apis for name in _aliased(entry.name, aliases))
    factories = tuple((e["name"], e["returns"]) for e in entries("factories") if "selected_by" not in e)
    selected_factories = tuple(
        (e["name"], e["returns"], e["selected_by"].get("position"), e["selected_by"].get("keyword"))
        for e in entries("factories") if "selected_by" in e
    )
    factories += tuple((name, returns) for made, returns in factories for name in _aliased(made, aliases))
    selected_factories += tuple((name, *rest) for made, *rest in selected_factories for name in _aliased(made, aliases))
    sensitive_paths = tuple(sorted({name for document in documents for name in document.get("sensitive_paths", ())}))
    code_runners = read_code_runners(documents)
    harmless = {name for document in documents for name in document.get("harmless", ())}
    harmless = tuple(sorted(harmless | {name for pattern in harmless for name in _aliased(pattern, aliases)}))
    # an attribute written as an alias (`UserItemRequestBuilder.messages` means the builder class
    # it returns): `inbox = client.me.messages` holds one
    attribute_types = tuple(aliases)
    return Catalog(apis, factories, selected_factories, sensitive_paths, code_runners, harmless,
                   tuple((e["class"], e["field"]) for e in entries("generic_fields")), attribute_types)


def _aliased(name: str, aliases: tuple[tuple[str, str], ...]) -> list[str]:
    """The other names a catalogued name has where a module re-exports its class
    (`slack_sdk.WebClient` for `slack_sdk.web.client.WebClient`)."""
    return [alias + name[len(means):] for alias, means in aliases if name == means or name.startswith(means + ".")]
