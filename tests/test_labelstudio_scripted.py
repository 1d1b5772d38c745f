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
    # one zone region per block (issue 14: a line is relabelled alone)
    assert [(z["label"], z["text"]) for z in zones] == [("BOILERPLATE", LINES[0]), ("MAIN", LINES[1]), ("MAIN", LINES[2]),
                                                        ("BOILERPLATE", LINES[3])]


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


def _row(zones, entities):
    return {"zones": zones, "entities": entities}


def test_review_sheet_lists_disputes_and_decisions_settle_them():
    from curation.labelstudio.review import ReviewError, page_sheet, resolved_result

    main = [{"start": BLOCKS[1]["start"], "end": BLOCKS[2]["end"], "label": "MAIN"}]
    main_wider = [{"start": BLOCKS[1]["start"], "end": BLOCKS[3]["end"], "label": "MAIN"}]
    putin = {"start": 0 + BLOCKS[1]["start"], "end": BLOCKS[1]["start"] + 5, "label": "PER"}
    kim_per = {"start": TEXT.index("Kim Jong"), "end": TEXT.index("Kim Jong") + 11, "label": "PER"}
    kim_org = dict(kim_per, label="ORG")
    swift = {"start": TEXT.index("Taylor"), "end": TEXT.index("Taylor") + 12, "label": "PER"}
    sheet = page_sheet("p", TEXT, {"a": _row(main, [putin, kim_per]), "b": _row(main_wider, [putin, kim_org, swift])})
    assert [e["text"] for e in sheet["agreed_entities"]] == ["Putin"]
    ids = {d["id"]: d for d in sheet["disputed"]}
    assert {d["text"] for d in ids.values() if d["kind"] == "entity"} == {"Kim Jong Un", "Taylor Swift"}
    zone = next(d for d in ids.values() if d["kind"] == "zone")
    assert zone["text"] == LINES[3] and zone["labels"] == {"a": "unmarked", "b": "MAIN"}

    by_label = {(d["text"], d["label"]): d["id"] for d in ids.values() if d["kind"] == "entity"}
    decisions = {
        by_label[("Kim Jong Un", "PER")]: {"decision": "keep", "reason": "a person"},
        by_label[("Kim Jong Un", "ORG")]: {"decision": "drop", "reason": "not an organisation"},
        by_label[("Taylor Swift", "PER")]: {"decision": "keep", "reason": "a name"},
        zone["id"]: {"decision": "boilerplate", "reason": "trending list"},
    }
    result = resolved_result(sheet, decisions, TEXT)
    entities = sorted((r["value"]["text"], r["value"]["labels"][0]) for r in result if r["from_name"] == "entities")
    assert entities == [("Kim Jong Un", "PER"), ("Putin", "PER")]  # Taylor Swift is outside MAIN after review

    with pytest.raises(ReviewError, match="no decision"):
        resolved_result(sheet, {k: v for k, v in decisions.items() if k != zone["id"]}, TEXT)
    with pytest.raises(ReviewError, match="needs a reason"):
        resolved_result(sheet, {**decisions, zone["id"]: {"decision": "main", "reason": " "}}, TEXT)
    with pytest.raises(ReviewError, match="overlap"):
        resolved_result(sheet, {**decisions, by_label[("Kim Jong Un", "ORG")]: {"decision": "keep", "reason": "x"}}, TEXT)
