"""Hand-made pages with known entity answers (no corpus files: tests run in a bare clone).

``seed_like_page`` is built like the seed page (a Putin–Kim summit article followed by
"Trending Stories" boilerplate naming Taylor Swift, Kylian Mbappé and Deepika Padukone); its gold
entities are annotated by hand over the article lines only, per docs/entity_guidelines.md.
"""

from __future__ import annotations

import hashlib

LINES_MAIN = [
    "Putin's North Korea Visit For First Time In 24 Years",
    "Russian President Vladimir Putin on Wednesday visited North Korea for the first time in 24 years.",
    "Putin was met at Pyongyang's airport by North Korean leader Kim Jong Un.",
    "In March, a Russian veto at the United Nations ended monitoring of sanctions against North Korea.",
    "Kim thanked Putin for his support, the Associated Press reported from Moscow.",
]
LINES_BOILERPLATE = [
    "Advertisement",
    "MOST POPULAR",
    "Trending Stories",
    "1. Taylor Swift Announces Extra Dates For Her Tour In London",
    "2. Kylian Mbappé Joins Real Madrid On A Five-Year Deal",
    "3. Deepika Padukone Flaunts Her Baby Bump At Mumbai Event",
]
HEADER = "date 2024-06-19 International"

# (line index in the page, surface, label): the gold, over main lines only
GOLD = [
    (1, "Putin", "PER"),
    (1, "North Korea", "LOC"),
    (2, "Russian", "MISC"),
    (2, "Vladimir Putin", "PER"),
    (2, "North Korea", "LOC"),
    (3, "Putin", "PER"),
    (3, "Pyongyang", "LOC"),
    (3, "North Korean", "MISC"),
    (3, "Kim Jong Un", "PER"),
    (4, "Russian", "MISC"),
    (4, "United Nations", "ORG"),
    (4, "North Korea", "LOC"),
    (5, "Kim", "PER"),
    (5, "Putin", "PER"),
    (5, "Associated Press", "ORG"),
    (5, "Moscow", "LOC"),
]
# entities a reader sees in the boilerplate lines (not gold: they must show up as leaks)
BOILERPLATE_ENTITIES = [
    (9, "Taylor Swift", "PER"),
    (9, "London", "LOC"),
    (10, "Kylian Mbappé", "PER"),
    (10, "Real Madrid", "ORG"),
    (11, "Deepika Padukone", "PER"),
    (11, "Mumbai", "LOC"),
]


def _spans(lines: list[str], starts: list[int], items) -> list[dict]:
    out = []
    cursor: dict[int, int] = {}
    for line_no, surface, label in items:
        at = lines[line_no].index(surface, cursor.get(line_no, 0))
        # "Putin" inside "Vladimir Putin" is a separate gold entity only where listed separately
        cursor[line_no] = at + len(surface)
        start = starts[line_no] + at
        out.append({"start": start, "end": start + len(surface), "label": label, "text": surface})
    return out


def seed_like_page() -> tuple[dict, dict, list[dict]]:
    """(page record, gold record with zones, boilerplate entities) for the seed-like page."""
    lines = [HEADER] + LINES_MAIN + LINES_BOILERPLATE
    text = "\n".join(lines)
    starts = []
    pos = 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    blocks = [{"start": s, "end": s + len(line), "tag": "line", "path": f"line[{i}]"} for i, (s, line) in enumerate(zip(starts, lines))]
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    page = {"page_id": "seedlike0000001", "source": "test", "text": text, "blocks": blocks, "text_sha256": sha, "split": "test"}
    main_blocks = list(range(1, 1 + len(LINES_MAIN)))
    gold = {
        "page_id": page["page_id"],
        "text_sha256": sha,
        "entities": sorted(_spans(lines, starts, GOLD), key=lambda e: e["start"]),
        "main_blocks": main_blocks,
        "main_spans": None,
    }
    return page, gold, _spans(lines, starts, BOILERPLATE_ENTITIES)


def extracted_article(page: dict, gold: dict) -> str:
    """What a decent extractor returns: the article, re-flowed (paragraph breaks doubled, one line
    re-wrapped, a straight apostrophe turned curly) — so alignment has work to do."""
    lines = [page["text"][page["blocks"][i]["start"] : page["blocks"][i]["end"]] for i in gold["main_blocks"]]
    lines[2] = lines[2].replace("Pyongyang's", "Pyongyang’s").replace(" by North", "\nby  North")
    return "\n\n".join(lines) + "\n"
