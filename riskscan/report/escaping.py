"""Text from the scanned repository, made safe for the output it is written to.

Tool and agent names, descriptions, file names, server names, messages and evidence are written
by whoever wrote the scanned project. Written raw, they steer what shows them: an escape sequence
recolours, moves the cursor or retitles a terminal, a carriage return or a backspace overwrites
what riskscan printed before it, a newline forges a report line of its own (`0 findings`), a
bidirectional override shows text in another order than it is (Trojan Source), and in a pull
request comment a name can mention a team, draw a link or an image, or end riskscan's code span.

- `for_terminal`: every character that is not shown as itself (C0 and C1 controls, DEL,
  bidirectional and zero-width format characters, the rest of Unicode's Cf, the line and
  paragraph separators, lone surrogates) written as a visible escape: `\\x1b`, `\\u202e`, `\\n`.
  Ordinary Unicode (`café_lookup`) is left as it is. `terminal_safe` applies it to every text of
  a report, for the formats read in a terminal or a CI log (text, concise, explain, github,
  statistics); riskscan's own colour codes and line breaks are added after, by the renderer.
- `markdown_code`: a CommonMark code span that nothing inside can end (a backtick run longer than
  any in the text; padded when the text starts or ends with a backtick), on one line; GitHub
  links no mention, URL or HTML inside one.
- `markdown_text`: prose outside a code span: HTML and Markdown punctuation escaped, and a
  zero-width space (as the entity `&#8203;`, so the output holds no raw format character) after
  every `@` and in `://` and `www.`, so that GitHub makes no mention, e-mail or URL link of it
  (what Renovate does to release notes; an entity `&#64;` for `@` would not do: it is decoded
  before GitHub looks for mentions).
- `markdown_message`: a message of riskscan's, where riskscan quotes names in backticks: the
  quoted parts become code spans, the rest prose. A name holding backticks may split otherwise
  than it was quoted (the report's step list shows it whole), but every part is still a code span
  or escaped prose.

JSON and SARIF keep the data as it is (JSON escapes it); the HTML page writes every string as text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import fields, is_dataclass, replace
from typing import TypeVar

T = TypeVar("T")

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})  # controls, format, surrogates, separators
# riskscan's own: the fields of a report that are not from the scanned project
_KEPT = frozenset({"fingerprint", "rules", "version", "root", "stats"})


def hidden(char: str) -> bool:
    """True for a character that is not shown as itself: it acts on the terminal or the text
    around it (a control, a bidirectional override, a zero-width character) or cannot be encoded."""
    return unicodedata.category(char) in _HIDDEN_CATEGORIES


def visible_escape(char: str) -> str:
    """`\\n`, `\\x1b`, `\\x9b`, `\\u202e`, `\\U000e0041`: as Python writes the character in a string."""
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def for_terminal(text: str) -> str:
    """`text` with every hidden character written as a visible escape; the rest unchanged."""
    if text.isprintable():  # the common case, at once: no control, format or separator character
        return text
    return "".join(visible_escape(char) if hidden(char) else char for char in text)


def terminal_safe(value: T) -> T:
    """A report (or any part of one) with `for_terminal` applied to each of its texts from the
    scanned project; riskscan's own texts (rules, version, fingerprints) are left as they are."""
    if isinstance(value, str):
        return for_terminal(value)
    if isinstance(value, tuple):
        return tuple(terminal_safe(item) for item in value)
    if isinstance(value, list):
        return [terminal_safe(item) for item in value]
    if isinstance(value, dict):
        return {terminal_safe(key): terminal_safe(item) for key, item in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        changed = {f.name: terminal_safe(getattr(value, f.name)) for f in fields(value) if f.init and f.name not in _KEPT}
        return replace(value, **changed)
    return value


def markdown_code(text: str, *, in_table: bool = False) -> str:
    """`text` as one CommonMark code span that cannot be ended from inside: `` `name` ``,
    ``` `` a`b `` ```. In a table cell (`in_table`) `|` is written `\\|`, which GFM reads as `|`
    even inside a code span (and which would show as `\\|` anywhere else)."""
    shown = for_terminal(text) or " "
    if in_table:
        shown = shown.replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", shown)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space at each end when both ends have one: pad so that the text stays whole
    padded = shown.startswith("`") or shown.endswith("`") or (shown.startswith(" ") and shown.endswith(" ") and shown.strip(" "))
    return f"{fence} {shown} {fence}" if padded else f"{fence}{shown}{fence}"


_PROSE_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "@": "@&#8203;", **{c: "\\" + c for c in "\\`*_[]!|~#"}}
_LINK_STARTS = re.compile(r"(?i)(?<=:)(?=//)|(?<=\bwww)(?=\.)")


def markdown_text(text: str) -> str:
    """`text` as Markdown prose on one line that is shown as written: no HTML, no emphasis, no
    link, image, autolink or mention."""
    shown = re.sub(" {2,}", " ", for_terminal(text))  # four spaces at a line's start would make a code block
    shown = "".join(_PROSE_ESCAPES.get(char, char) for char in shown)
    return _LINK_STARTS.sub("&#8203;", shown)


def markdown_message(text: str, *, in_table: bool = False) -> str:
    """A message of riskscan's (`agent 'coder' can call `run_shell``) in Markdown: what is quoted
    in backticks as code spans, found as CommonMark finds them (a backtick run closed by the next
    run of the same length), the rest as prose. Two code spans are never written side by side:
    between a closing run and the next opening one there is always a character that is not a
    backtick, and it is written as prose."""
    runs = list(re.finditer("`+", text))
    rendered, start, index = [], 0, 0
    while index < len(runs):
        opening = runs[index]
        closing = next((later for later in range(index + 1, len(runs)) if len(runs[later].group()) == len(opening.group())), None)
        if closing is None:  # an unclosed run is literal backticks: prose
            index += 1
            continue
        if text[start:opening.start()]:
            rendered.append(markdown_text(text[start:opening.start()]))
        rendered.append(markdown_code(text[opening.end():runs[closing].start()], in_table=in_table))
        start, index = runs[closing].end(), closing + 1
    if text[start:]:
        rendered.append(markdown_text(text[start:]))
    return "".join(rendered)
