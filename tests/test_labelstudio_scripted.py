"""Annotation files → Label Studio regions: exact offsets, MAIN-only entities, clear errors."""

from __future__ import annotations

import pytest

from curation.labelstudio.scripted import AnnotationFileError, build_result, render_blocks
from curation.labelstudio.spans import check_result

LINES = ["Menu Home World", "Putin meets Kim Jong Un in Pyongyang", "Kim said Putin and Kim agreed.", "Trending: Taylor Swift"]
TEXT = "\n".join(LINES)
BLOCKS = []
_pos = 0
for _line in LINES:
    BLOCKS.append({"start": _pos, "end": _pos + len(_line), "tag": "p", "path": ""})
    _pos += len(_line) + 1


def spans_of(annotation):
    zones, entities, reasons = check_result(build_result(annotation, TEXT, BLOCKS), TEXT)
    assert reasons == []
    return zones, [(e["text"], e["label"], e["start"]) for e in entities]


def test_entities_get_exact_offsets_in_main_only_longest_first():
    zones, entities = spans_of({"main": [[1, 2]], "entities": [
        {"text": "Kim", "label": "PER"}, {"text": "Kim Jong Un", "label": "PER"},
        {"text": "Putin", "label": "PER"}, {"text": "Pyongyang", "label": "LOC"}]})
    for text, _, start in entities:
        assert TEXT[start : start + len(text)] == text
    assert [e[0] for e in entities] == ["Putin", "Kim Jong Un", "Pyongyang", "Kim", "Putin", "Kim"]
    assert [(z["label"], z["text"]) for z in zones] == [("BOILERPLATE", LINES[0]), ("MAIN", "\n".join(LINES[1:3])), ("BOILERPLATE", LINES[3])]


def test_occurrence_and_block_restrictions():
    _, entities = spans_of({"main": [[1, 2]], "entities": [{"text": "Kim", "label": "PER", "occurrence": [2]}]})
    assert entities == [("Kim", "PER", TEXT.index("Kim said"))]
    _, entities = spans_of({"main": [[1, 2]], "entities": [{"text": "Putin", "label": "PER", "blocks": [2]}]})
    assert entities == [("Putin", "PER", TEXT.index("Putin and"))]


@pytest.mark.parametrize(("annotation", "message"), [
    ({"main": [[1, 2]], "entities": [{"text": "Taylor Swift", "label": "PER"}]}, "no whole-word occurrence inside MAIN"),
    ({"main": [[1, 9]]}, "outside blocks"),
    ({"main": [[1, 2]], "entities": [{"text": "Putin", "label": "PERSON"}]}, "not one of"),
    ({"main": [[1, 2]], "entities": [{"text": " Putin", "label": "PER"}]}, "surrounding spaces"),
    ({"main": [[1, 2]], "entities": [{"text": "Kim", "label": "PER", "occurrence": 5}]}, "only 3 found"),
])
def test_bad_files_are_refused(annotation, message):
    with pytest.raises(AnnotationFileError, match=message):
        build_result(annotation, TEXT, BLOCKS)


def test_render_blocks_numbers_every_block():
    assert render_blocks(TEXT, BLOCKS).splitlines()[1] == "[1] <p> Putin meets Kim Jong Un in Pyongyang"
