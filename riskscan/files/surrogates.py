"""Lone surrogates: text that Python holds but UTF-8 cannot write.

A scanned file can put one anywhere riskscan keeps its text: `"\\ud800"` in JSON, YAML or a Python
string literal, a trace's tool name, and a file name that is not UTF-8 (Python decodes it with
`surrogateescape`: byte 0xff becomes U+DCFF). Writing such text as UTF-8 raises, which crashed
every report format. So text is hashed with its surrogates kept (`surrogatepass`: distinct inputs
keep distinct fingerprints), and written with each lone surrogate shown as its escape (`\\ud800`,
`\\udcff`): visible in text and Markdown, and in JSON and SARIF an escape that reads back as the same
string.
"""

from __future__ import annotations


def hashable(text: str) -> bytes:
    """`text` as bytes for a digest: UTF-8, lone surrogates kept as they are."""
    return text.encode("utf-8", "surrogatepass")


def writable(text: str) -> str:
    """`text` with every lone surrogate replaced by its backslash escape; unchanged otherwise."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def path_bytes(path: str) -> bytes:
    """A file name's bytes for a URI (`quote` of them): those the file system gave, for a name
    decoded with `surrogateescape`; otherwise UTF-8 with lone surrogates kept."""
    try:
        return path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogatepass")
