"""Entity baselines that need no model: a gazetteer learned from train gold, and capitalisation.

* ``gazetteer`` — every surface string annotated in the TRAIN split's ``entity_gold`` becomes a
  phrase with its most frequent label; pages are matched token by token, longest match first, case
  sensitive, on token boundaries. It measures how far memorising seen names goes (it never sees
  dev/test gold). A plain token trie: no spaCy needed, and the same result as a spaCy
  ``blank("en")`` + EntityRuler phrase matcher on these token boundaries.
* ``capitalisation`` — runs of capitalised tokens (joined by "of", "de", "al", …) that do not
  start a sentence with a function word; labelled by cue words (titles → PER, "Inc"/"University"/…
  → ORG, "River"/"City"/… → LOC, acronyms → ORG), otherwise MISC. The floor every NER system
  must beat; on headline-style boilerplate (Title Case) it fires everywhere, which is the point.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from benchmarks.labels import check_labels
from benchmarks.systems.base import register
from benchmarks.systems.ner import Entity, EntitySystem

# words (with inner hyphens/apostrophes/dots: "Al-Assad", "O'Neil", "U.S") or single symbols
TOKEN = re.compile(r"\w+(?:[-'’.&]\w+)*|[^\w\s]")


def tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text)]


class Gazetteer:
    """Token trie of surface strings → label, longest match first."""

    def __init__(self, entries: Iterable[tuple[str, str]] = ()):
        votes: dict[tuple[str, ...], Counter] = defaultdict(Counter)
        for surface, label in entries:
            key = tuple(tok for _, _, tok in tokens(surface))
            if key:
                votes[key][label] += 1
        check_labels({label for counter in votes.values() for label in counter}, "gazetteer entries")
        # most frequent label; ties broken by label name so the result does not depend on order
        self.phrases = {key: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for key, c in votes.items()}
        self.trie: dict = {}
        for key, label in self.phrases.items():
            node = self.trie
            for tok in key:
                node = node.setdefault(tok, {})
            node[None] = label

    def __len__(self) -> int:
        return len(self.phrases)

    def match(self, text: str) -> list[Entity]:
        toks = tokens(text)
        out: list[Entity] = []
        i = 0
        while i < len(toks):
            node = self.trie
            best = None
            j = i
            while j < len(toks) and toks[j][2] in node:
                node = node[toks[j][2]]
                j += 1
                if None in node:
                    best = (j, node[None])
            if best is None:
                i += 1
                continue
            end, label = best
            out.append({"start": toks[i][0], "end": toks[end - 1][1], "label": label})
            i = end
        return out


def train_entries(version: str | None = None, root=None) -> list[tuple[str, str]]:
    """(surface, label) of every gold entity of the TRAIN split of a release."""
    from curation import dataset

    table = dataset.read_table("entity_gold", version=version, split="train", root=root, columns=["entities"])
    entries = [(e["text"], e["label"]) for row in table.column("entities").to_pylist() for e in row or ()]
    if not entries:
        raise RuntimeError(
            f"the gazetteer baseline learns from the train split's entity gold, and release "
            f"{version or dataset.latest_version(root)} has none (entity gold arrives with release 1.1.0)"
        )
    return entries


_FITTED: dict[Any, Gazetteer] = {}


@dataclass(frozen=True)
class GazetteerNER(EntitySystem):
    name: ClassVar[str] = "gazetteer"
    cacheable: ClassVar[bool] = False  # learnt from the release's train gold, which a new release changes
    description: ClassVar[str] = "names seen in the train split's gold, longest match"
    entries: tuple[tuple[str, str], ...] | None = None  # None: learn from the release's train gold
    release: str | None = None

    @property
    def version(self) -> str:
        # what it learned is part of its identity: the release whose train gold it read
        from curation import __version__, dataset

        if self.entries is not None:
            return f"pagegold-{__version__}+entries-{len(self.entries)}"
        try:
            release = dataset.version_name(self.release) if self.release else dataset.latest_version()
        except Exception:  # no release on disk: run() will say so
            release = "none"
        return f"pagegold-{__version__}+train-{release}"

    def gazetteer(self) -> Gazetteer:
        key = (self.entries, self.release)
        if key not in _FITTED:  # fitted once per process (workers each fit their own)
            _FITTED[key] = Gazetteer(self.entries if self.entries is not None else train_entries(self.release))
        return _FITTED[key]

    def extract(self, text: str) -> list[Entity]:
        return self.gazetteer().match(text)


# -- capitalisation heuristic ----------------------------------------------------------------------

CONNECTORS = {"of", "de", "del", "della", "di", "da", "du", "la", "le", "van", "von", "der", "den", "al", "bin", "ibn", "y", "&"}
FUNCTION_WORDS = {
    "a", "an", "the", "this", "that", "these", "those", "in", "on", "at", "by", "for", "from", "to", "with",
    "and", "but", "or", "if", "as", "after", "before", "when", "while", "he", "she", "it", "they", "we", "i",
    "you", "his", "her", "its", "their", "our", "my", "here", "there", "what", "who", "why", "how", "both",
    "all", "some", "many", "most", "more", "no", "not", "yes", "also", "then", "so", "however", "meanwhile",
}
TITLES = {"mr", "mrs", "ms", "dr", "prof", "president", "minister", "leader", "king", "queen", "prince",
          "chancellor", "senator", "governor", "mayor", "actor", "actress", "coach", "captain", "sir", "pope"}
ORG_CUES = {"inc", "corp", "ltd", "llc", "plc", "co", "company", "group", "party", "university", "council",
            "ministry", "bank", "association", "agency", "committee", "organisation", "organization", "union",
            "nations", "institute", "court", "army", "police", "news", "times", "club", "fc", "league", "federation"}
LOC_CUES = {"city", "river", "mountain", "mountains", "island", "islands", "street", "county", "province", "republic",
            "state", "lake", "sea", "ocean", "valley", "bay", "region", "district", "square", "airport"}
CALENDAR = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
            "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}
SENTENCE_END = {".", "!", "?", ":", ";", "|", "\"", "“", "”", "(", ")", "-", "–", "—"}


def _capitalised(tok: str) -> bool:
    # weekdays and months are capitalised but are not CoNLL entities
    return tok[0].isupper() and any(c.isalpha() for c in tok) and tok.lower() not in CALENDAR


def capitalised_runs(text: str) -> list[Entity]:
    toks = tokens(text)
    out: list[Entity] = []
    i = 0
    while i < len(toks):
        start_tok = toks[i]
        if not _capitalised(start_tok[2]):
            i += 1
            continue
        # does this token start a sentence (or a line)?
        sentence_start = i == 0 or toks[i - 1][2] in SENTENCE_END or "\n" in text[toks[i - 1][1] : start_tok[0]]
        j = i + 1
        while j < len(toks):
            gap = text[toks[j - 1][1] : toks[j][0]]
            if "\n" in gap:
                break
            tok = toks[j][2]
            if _capitalised(tok):
                j += 1
            elif tok.lower() in CONNECTORS and j + 1 < len(toks) and _capitalised(toks[j + 1][2]) and "\n" not in text[toks[j][1] : toks[j + 1][0]]:
                j += 2
            else:
                break
        run = list(range(i, j))
        if sentence_start and toks[run[0]][2].lower() in FUNCTION_WORDS:
            run = run[1:]
        if run:
            words = [toks[k][2] for k in run]
            prev = toks[run[0] - 1][2].lower().rstrip(".") if run[0] > 0 else ""
            end = toks[run[-1]][1]
            if words[-1].endswith(("'s", "’s")):  # possessive: "Pyongyang's airport" → Pyongyang
                end -= 2
                words[-1] = words[-1][:-2]
            out.append({"start": toks[run[0]][0], "end": end, "label": _guess_label(words, prev)})
        i = j
    return out


def _guess_label(words: list[str], prev: str) -> str:
    last = words[-1].lower().rstrip(".")
    if last in ORG_CUES:
        return "ORG"
    if last in LOC_CUES or words[0].lower() in {"lake", "mount", "river"}:
        return "LOC"
    if prev in TITLES or words[0].lower().rstrip(".") in TITLES:
        return "PER"
    if len(words) == 1 and words[0].isupper() and 2 <= len(words[0]) <= 5:
        return "ORG"  # acronyms: UN, NATO, BBC
    return "MISC"


@dataclass(frozen=True)
class CapitalisationNER(EntitySystem):
    name: ClassVar[str] = "capitalisation"
    cacheable: ClassVar[bool] = False  # cheaper to recompute than to look up
    description: ClassVar[str] = "runs of capitalised words, cue-word labels (no model)"

    def extract(self, text: str) -> list[Entity]:
        return capitalised_runs(text)


register(GazetteerNER())
register(CapitalisationNER())
