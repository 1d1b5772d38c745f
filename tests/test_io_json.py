"""``benchmarks.io._load_json`` (msgspec first, ``json`` where msgspec refuses) gives what
``json.loads`` gives, value for value and type for type, and ``json``'s errors."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import io

# everything JSON can hold, with the numbers and strings where parsers differ: big integers,
# subnormal and extreme floats, NaN and infinities (json writes them as NaN/Infinity), lone
# surrogates (json writes them as \ud800 escapes), any code point
scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-(2**200), max_value=2**200)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(st.characters(exclude_categories=())))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                      max_leaves=20)


def _same(a, b) -> bool:
    """Equal values of equal types, NaN equal to NaN and -0.0 apart from 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b


@settings(max_examples=400, deadline=None)
@given(values, st.booleans(), st.sampled_from([None, 1, 4]))
def test_load_json_gives_what_json_gives(tmp_path_factory, value, ensure_ascii, indent):
    path = tmp_path_factory.mktemp("j") / "x.json"
    text = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent)
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    assert _same(io._load_json(path), json.loads(path.read_bytes()))


@pytest.mark.parametrize("raw", [
    b'{"a": 1, "a": 2}', b"[1e400, -1e400, 5e-324, 1e-400, -0.0, -0]", b"[123456789012345678901234567890]",
    b'["\\ud800", "\\udc00\\ud800"]', b"[NaN, Infinity, -Infinity]", b"\xef\xbb\xbf[1]", '["é"]'.encode("utf-16"),
    b'  {"x": "\\u00e9\\n\\t\\\\\\/"}  ',
])
def test_load_json_on_what_parsers_disagree_about(tmp_path, raw):
    path = tmp_path / "x.json"
    path.write_bytes(raw)
    assert _same(io._load_json(path), json.loads(raw))


@pytest.mark.parametrize(("raw", "message"), [
    (b'{"a": 1,}', "not valid JSON"), (b"[1] [2]", "not valid JSON"), (b"", "not valid JSON"), (b'["\xff"]', "not UTF-8 text"),
])
def test_load_json_errors_are_json_errors(tmp_path, raw, message):
    path = tmp_path / "x.json"
    path.write_bytes(raw)
    with pytest.raises(io.InputError, match=message):
        io._load_json(path)
