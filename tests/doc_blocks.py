"""Extract the code blocks of README.md, DATASET_CARD.md and docs/*.md that a user would paste.

Why: every snippet in the docs must work as written; the only way to keep that true is to run them.
``tests/test_docs.py`` runs each block this module finds:

* ```` ```python ```` blocks in a subprocess from the checkout root with ``HF_HUB_OFFLINE=1``;
* ```` ```bash ```` / ```` ```sh ```` / ```` ```console ```` blocks with ``bash -e`` in a scratch
  folder shaped like the checkout (``data/`` linked read-only, the Markdown files copied), with the
  venv's ``bin`` first on ``PATH`` so ``pagegold`` is the project's command;
* blocks without a language (layouts, file formats) are not commands and are not run.

A block that cannot run in a test (it needs ../shared corpora, a Label Studio server, a browser, a
network, or runs for minutes) carries the marker as its FIRST line, visible to readers too::

    # not run by the doc tests: <reason>

The reason is required. Nothing else skips a block: an unmarked block that fails fails the test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^\s*#\s*not run by the doc tests:\s*(?P<reason>.*\S)?\s*$", re.IGNORECASE)
LANGUAGES = {"python": "python", "py": "python", "bash": "bash", "sh": "bash", "shell": "bash", "console": "bash"}


@dataclass(frozen=True)
class Block:
    """One fenced code block: where it is, what runs it, and why not when it is marked."""

    path: Path
    line: int  # 1-based line of the opening fence
    kind: str  # "python" | "bash"
    code: str
    skip_reason: str | None  # set when the block carries the marker
    marked_without_reason: bool = False

    @property
    def id(self) -> str:
        path = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        return f"{path}:{self.line}"


def documents(root: Path = ROOT) -> list[Path]:
    """The Markdown files a user reads: README, the dataset card and every guide under docs/."""
    found = [root / "README.md", root / "DATASET_CARD.md", *sorted((root / "docs").glob("*.md"))]
    return [p for p in found if p.exists()]


def blocks(path: Path) -> list[Block]:
    """Every runnable (python/bash) fenced block of one Markdown file, in order."""
    out = []
    for token in MarkdownIt().parse(path.read_text(encoding="utf-8")):
        if token.type != "fence":
            continue
        kind = LANGUAGES.get(token.info.strip().split(" ")[0].lower() if token.info.strip() else "")
        if kind is None:
            continue
        first = token.content.splitlines()[0] if token.content.strip() else ""
        match = MARKER.match(first)
        reason = (match.group("reason") or "") if match else None
        out.append(
            Block(
                path,
                token.map[0] + 1 if token.map else 0,
                kind,
                token.content,
                skip_reason=reason or None,
                marked_without_reason=match is not None and not reason,
            )
        )
    return out


def all_blocks(root: Path = ROOT) -> list[Block]:
    return [b for doc in documents(root) for b in blocks(doc)]
