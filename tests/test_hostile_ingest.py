"""Hostile inputs to `ingest` (issue 12): one bad input never aborts a batch, nothing outside the
input gets in, nothing is lost without a word, memory is bounded while reading.

Every input is generated in tmp_path. The memory-bomb tests (marked ``memory_bomb``) run the read
in a child process and compare its peak RSS with a cap: small inputs, real inflation.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from curation import shards
from curation.ingest import ingest
from curation.normalise.encoding import decode
from pagegold.cli import main

PAGE = (
    "<html><head><title>T{n}</title></head>"
    "<body><article><p>Story {n}: the council met on Tuesday.</p></article></body></html>"
)


def page(n: int) -> bytes:
    return PAGE.format(n=n).encode()


def quarantine(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "quarantine.jsonl").read_text(encoding="utf-8").split("\n") if line]


def notes(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "notes.jsonl").read_text(encoding="utf-8").split("\n") if line]


def texts(out: Path) -> list[str]:
    import pyarrow.parquet as pq

    return sorted(
        t
        for f in sorted(out.glob("pages-*.parquet"))
        for t in pq.read_table(f, columns=["text"]).column("text").to_pylist()
    )


# -- one bad string never aborts the shard -------------------------------------------------------


def test_non_utf8_file_name_is_ingested_with_an_escaped_path(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.html").write_bytes(page(1))
    bad = os.path.join(os.fsencode(folder), b"caf\xe9.html")  # latin-1 name: not valid UTF-8
    with open(bad, "wb") as fh:
        fh.write(page(2))
    summary = ingest([str(folder)], "t", tmp_path / "out")
    assert summary["pages"] == 2  # before: pyarrow UnicodeEncodeError, 0 pages
    import pyarrow.parquet as pq

    ids = [
        p for f in (tmp_path / "out").glob("pages-*.parquet") for p in pq.read_table(f).column("source_id").to_pylist()
    ]
    assert sorted(ids) == ["caf\\xe9", "good"]


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85"])
def test_line_separator_in_a_quarantined_name_does_not_break_the_merge(tmp_path, char):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.html").write_bytes(page(1))
    (folder / f"bad{char}name.html.gz").write_bytes(b"not gzip at all")
    summary = ingest([str(folder)], "t", tmp_path / "out")  # before: JSONDecodeError at merge
    assert summary["pages"] == 1 and summary["quarantined"] == 1
    (entry,) = quarantine(tmp_path / "out")
    assert char in entry["path"] and "gzip" in entry["reason"]


def test_jsonl_round_trips_any_string(tmp_path):
    rows = [{"path": "a\u2028b\u2029c\x85d\re", "reason": "\udce9 lone surrogate"}]
    shards.write_jsonl(tmp_path / "q.jsonl", rows)
    from curation.ingest import _read_jsonl

    assert _read_jsonl(tmp_path / "q.jsonl") == rows


# -- the input root is a boundary ----------------------------------------------------------------


def test_symlink_leaving_the_input_folder_is_refused(tmp_path):
    secret = tmp_path / "credentials.html"
    secret.write_bytes(b"<html><body><p>aws_secret_access_key = AKIA-SECRET-VALUE</p></body></html>")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.html").write_bytes(page(1))
    (folder / "inside.html").symlink_to(folder / "good.html")  # inside the root: allowed (read once)
    (folder / "leak.html").symlink_to(secret)
    summary = ingest([str(folder)], "t", tmp_path / "out")
    assert summary["pages"] == 1
    assert not any("SECRET" in t for t in texts(tmp_path / "out"))
    reasons = {Path(q["path"]).name: q["reason"] for q in quarantine(tmp_path / "out")}
    assert "outside the input folder" in reasons["leak.html"]


def test_symlink_leaving_a_corpus_folder_is_refused(tmp_path):
    corpus = tmp_path / "aeb"
    (corpus / "html").mkdir(parents=True)
    (corpus / "html" / "a.html.gz").write_bytes(gzip.compress(page(1)))
    outside = tmp_path / "secret.html.gz"
    outside.write_bytes(gzip.compress(b"<html><body><p>SECRET</p></body></html>"))
    (corpus / "html" / "b.html.gz").symlink_to(outside)
    (corpus / "ground-truth.json").write_text(json.dumps({k: {"articleBody": "x", "url": None} for k in "ab"}))
    summary = ingest([str(corpus)], "aeb", tmp_path / "out", fmt="aeb")
    assert summary["pages"] == 1 and not any("SECRET" in t for t in texts(tmp_path / "out"))
    assert "outside the input folder" in quarantine(tmp_path / "out")[0]["reason"]


def test_special_files_and_broken_links_each_get_a_quarantine_line(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.html").write_bytes(page(1))
    os.mkfifo(folder / "pipe.html")
    (folder / "dangling.html").symlink_to(folder / "missing.html")
    (folder / "loop.html").symlink_to(folder / "loop.html")
    summary = ingest([str(folder)], "t", tmp_path / "out")
    reasons = {Path(q["path"]).name: q["reason"] for q in quarantine(tmp_path / "out")}
    assert summary["pages"] == 1
    assert "FIFO" in reasons["pipe.html"]  # before: skipped with no entry
    assert "dangling symlink" in reasons["dangling.html"]
    assert "loop" in reasons["loop.html"]


def test_fifo_given_as_argument_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    good = tmp_path / "good.html"
    good.write_bytes(page(1))
    # before: open() on the FIFO blocks forever; the subprocess timeout turns that into a failure
    out = tmp_path / "out"
    args = f"[{str(fifo)!r}, {str(good)!r}], 't', {str(out)!r}"
    code = f"from curation.ingest import ingest; print(ingest({args})['pages'])"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ | {"PYTHONPATH": os.getcwd()},
    )
    assert done.stdout.strip() == "1", done.stderr
    assert "FIFO" in quarantine(tmp_path / "out")[0]["reason"]


def test_files_skipped_by_suffix_get_a_note(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.html").write_bytes(page(1))
    (folder / "page.php").write_bytes(page(2))
    (folder / "README").write_text("hello")
    summary = ingest([str(folder)], "t", tmp_path / "out")
    assert (summary["pages"], summary["quarantined"], summary["notes"]) == (1, 0, 1)  # before: 0 notes
    (note,) = notes(tmp_path / "out")
    assert note["path"] == str(folder) and "2 file(s) not read" in note["note"] and ".php ×1" in note["note"]


def test_strict_fails_when_a_found_file_was_refused(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.html").write_bytes(page(1))
    (folder / "dangling.html").symlink_to(folder / "missing.html")
    result = CliRunner().invoke(
        main, ["ingest", str(folder), "--source", "t", "--out", str(tmp_path / "out"), "--strict"]
    )
    assert result.exit_code == 1, result.output  # before: exit 0, the dangling link silently skipped


# -- nothing lost without a word -----------------------------------------------------------------


def test_multi_member_gzip_keeps_every_member(tmp_path):
    first, second = page(1)[:60], page(1)[60:]
    (tmp_path / "two.html.gz").write_bytes(gzip.compress(first) + gzip.compress(second))
    summary = ingest([str(tmp_path / "two.html.gz")], "t", tmp_path / "out")
    assert summary["pages"] == 1
    assert texts(tmp_path / "out") == ["Story 1: the council met on Tuesday."]  # before: the 2nd member dropped


def warc_record(uri: str, body: bytes, headers: str = "Content-Type: text/html; charset=utf-8\r\n") -> bytes:
    http = f"HTTP/1.1 200 OK\r\n{headers}Content-Length: {len(body)}\r\n\r\n".encode() + body
    head = (
        f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Record-ID: <urn:uuid:{abs(hash(uri))}>\r\n"
        f"WARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http)}\r\n\r\n"
    ).encode()
    return head + http + b"\r\n\r\n"


def test_warc_cut_mid_record_quarantines_the_truncated_record(tmp_path):
    data = warc_record("http://a.example/1", page(1)) + warc_record("http://a.example/2", page(2))
    (tmp_path / "cut.warc").write_bytes(data[: len(data) - 60])
    summary = ingest([str(tmp_path / "cut.warc")], "t", tmp_path / "out")
    assert summary["pages"] == 1
    (entry,) = quarantine(tmp_path / "out")  # before: the truncated record dropped, 0 quarantined
    assert entry["path"].endswith("#record2") and "truncated" in entry["reason"]


def test_warc_with_a_flipped_byte_keeps_its_reason_intact(tmp_path):
    data = warc_record("http://a.example/1", page(1)) + warc_record("http://a.example/2", page(2))
    flip = data.index(b"WARC/1.0", 10) + 7
    (tmp_path / "flip.warc").write_bytes(data[:flip] + b"\x85" + data[flip + 1 :])
    summary = ingest([str(tmp_path / "flip.warc")], "t", tmp_path / "out")  # before: JSONDecodeError at merge
    assert summary["pages"] == 1
    (entry,) = quarantine(tmp_path / "out")
    assert "\x85" in entry["reason"] and entry["path"].endswith("#record2")


def test_utf16_declared_on_utf8_bytes_is_decoded_as_utf8_with_a_note():
    raw = '<html><head><meta charset="utf-16"></head><body><p>Grüße aus Köln</p></body></html>'.encode()
    got = decode(raw)
    assert "Grüße aus Köln" in got.text and got.encoding == "utf-8"  # before: CJK garbage, no note
    assert got.note and "utf-16" in got.note
    http = decode(b"<p>plain ascii page</p>", declared_http="utf-16")
    assert http.text == "<p>plain ascii page</p>"  # pure ASCII: every reading agrees (normaliser 2.0.0 rule 6)
    real = decode("<p>echt UTF-16</p>".encode("utf-16-le"), declared_http="utf-16-le")
    assert real.text == "<p>echt UTF-16</p>" and real.note is None  # a genuine UTF-16 page still decodes


# -- memory without bound ------------------------------------------------------------------------

RSS_PROBE = """
import resource, sys
from pathlib import Path
from curation.sources import read_files
from curation.sources.safe_io import read_file
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = [r.reason if hasattr(r, 'reason') else len(r['raw']) for r in read_files([sys.argv[1]], 't')]
print(out, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024)
"""


def rss_probe(path: Path) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"PYTHONPATH": os.getcwd()},
    )
    assert done.returncode == 0, done.stderr
    result, mb = done.stdout.rsplit(" ", 1)
    return result, int(mb)


@pytest.mark.memory_bomb
def test_warc_content_encoding_bomb_is_refused_while_inflating(tmp_path):
    bomb = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    body = b"".join(bomb.compress(b"\0" * (1 << 24)) for _ in range(24)) + bomb.flush()  # 384 MiB in ~400 KB
    (tmp_path / "bomb.warc").write_bytes(
        warc_record("http://a.example/bomb", body, "Content-Type: text/html\r\nContent-Encoding: gzip\r\n")
    )
    result, grown_mb = rss_probe(tmp_path / "bomb.warc")
    assert "decompresses to more than 64 MiB" in result
    assert grown_mb < 200, f"reading a WARC bomb grew RSS by {grown_mb} MB"  # before: the whole 384 MiB


@pytest.mark.memory_bomb
def test_huge_plain_file_is_not_read_whole(tmp_path):
    huge = tmp_path / "huge.html"
    with huge.open("wb") as fh:  # sparse: 1 GiB on paper, nothing on disk
        fh.truncate(1 << 30)
    result, grown_mb = rss_probe(huge)
    assert "larger than 64 MiB" in result
    assert grown_mb < 200, f"reading a 1 GiB file grew RSS by {grown_mb} MB"  # before: ~1 GiB


@pytest.mark.memory_bomb
def test_gzip_bomb_in_a_later_member_is_refused(tmp_path):
    bomb = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    tail = b"".join(bomb.compress(b"\0" * (1 << 24)) for _ in range(8)) + bomb.flush()
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(page(1)) + tail)
    from curation.sources.safe_io import MAX_DECOMPRESSED, InputRefused, gunzip_stream

    with pytest.raises(InputRefused, match="decompresses to more than"):
        gunzip_stream(io.BytesIO((tmp_path / "b.html.gz").read_bytes()), MAX_DECOMPRESSED // 4)
