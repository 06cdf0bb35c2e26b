"""The docs must not tell users to install or pin a riskscan release that does not exist. No
release is published (nothing on PyPI, no release tags), so a pin such as `riskscan==0.1.0`,
`uses: .../riskscan@v0.1.0` or a pre-commit `rev: v0.1.0` sends a user to nothing; the docs say how
to install what exists (a checkout, `pip install .`; the Action and hook by commit SHA)."""

import re
from pathlib import Path

from riskscan import __version__

REPO = Path(__file__).resolve().parents[1]
# Releases that really exist on PyPI and as tags; add one here when it is published.
PUBLISHED: frozenset[str] = frozenset()
PINS = (
    re.compile(r"\briskscan\s*(?:==|~=|>=|<=|===)\s*v?(?P<version>\d[\w.+-]*)"),  # pip requirements
    re.compile(r"/riskscan@v?(?P<version>\d[\w.+-]*)"),  # uses: OWNER/riskscan@v1.2.3
    re.compile(r"repo:\s*\S*riskscan\S*[^\n]*\n\s*rev:\s*['\"]?v?(?P<version>\d[\w.+-]*)"),  # pre-commit
)


def documents() -> list[Path]:
    return [REPO / "README.md", REPO / "action.yml", REPO / ".pre-commit-hooks.yaml", *sorted((REPO / "docs").glob("*.md"))]


def pinned_versions(text: str) -> list[str]:
    return [match.group("version") for pattern in PINS for match in pattern.finditer(text)]


def test_the_pin_patterns_find_the_pins_users_copy():
    text = ('pip install "riskscan==0.1.0"\n      - uses: riskscan/riskscan@v0.1.0\n'
            "  - repo: https://github.com/riskscan/riskscan\n    rev: v0.1.0\n")
    assert pinned_versions(text) == ["0.1.0", "0.1.0", "0.1.0"]
    assert pinned_versions("uses: OWNER/riskscan@COMMIT_SHA\npip install .\n") == []


def test_docs_pin_only_published_releases_of_this_version():
    for document in documents():
        if not document.is_file():
            continue
        for version in pinned_versions(document.read_text(encoding="utf-8")):
            assert version in PUBLISHED, f"{document.name} pins riskscan {version}, which is not published"
            assert version == __version__, f"{document.name} pins riskscan {version}, not this version ({__version__})"
