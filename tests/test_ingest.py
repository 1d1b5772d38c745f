"""`pagegold ingest`: every kind of bad input is quarantined with a reason; the rest goes through."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from curation import schema
from curation.shards import INGEST_PAGES_SCHEMA
from pagegold.cli import main

GOOD = "<html><head><title>{0}</title></head><body><article><h1>{0}</h1><p>{1}</p></article></body></html>"


def page(title: str, body: str = "Some paragraph text that is long enough to read.") -> bytes:
    return GOOD.format(title, body).encode()


def write_warc(path: Path, pages: list[tuple[str, bytes, str]]) -> None:
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        for url, body, content_type in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))


def run_ingest(args: list[str]):
    return CliRunner().invoke(main, ["ingest", *args], catch_exceptions=False)


def read_out(out: Path):
    pages = [r for f in sorted(out.glob("pages-*.parquet")) for r in pq.read_table(f).to_pylist()]
    quarantine = [json.loads(line) for line in (out / "quarantine.jsonl").read_text().splitlines()]
    reasons: dict[str, str] = {}
    for q in quarantine:  # one file can be rejected twice (e.g. a repeat given again): join reasons
        name = Path(q["path"]).name
        reasons[name] = f"{reasons[name]}; {q['reason']}" if name in reasons else q["reason"]
    return pages, reasons


@pytest.fixture
def bad_batch(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "good1.html").write_bytes(page("First good page"))
    (d / "good2.htm").write_bytes(page("Second good page"))
    (d / "dump.txt").write_bytes(b"date 2024-06-19 World\nA text dump headline\nIts body.\n")
    (d / "empty.html").write_bytes(b"")
    (d / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    (d / "invalid_for_charset.html").write_bytes(b"<meta charset='utf-8'><p>" + bytes(range(0x80, 0x100)) * 40 + b"</p>")
    german = "Die Straße war voller Menschen, die im Café saßen. Müller erklärte, dass die Gebühren steigen würden. " * 3
    (d / "wrong_charset.html").write_bytes(f"<meta charset='utf-8'><p>{german}</p>".encode("cp1252"))
    (d / "huge.html").write_bytes(b"<html><body><p>" + b"x" * (30 * 1024 * 1024) + b"</p></body></html>")
    (d / "deep.html").write_bytes(b"<html><body>" + b"<div>" * 10_000 + b"deep" + b"</div>" * 10_000 + b"</body></html>")
    (d / "nul.html").write_bytes(b"<html><body><p>nul\x00byte page</p></body></html>")
    (d / "truncated.html.gz").write_bytes(gzip.compress(page("Truncated"))[:-30])
    (d / "copy_of_good1.html").write_bytes(page("First good page"))
    write_warc(d / "crawl.warc", [("https://example.org/a", page("WARC page A"), "text/html; charset=utf-8"),
                                  ("https://example.org/b", page("WARC page B"), "text/html")])  # fmt: skip
    broken = d / "broken.warc"
    write_warc(broken, [("https://example.org/c", page("WARC page C"), "text/html")])
    broken.write_bytes(broken.read_bytes() + b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\ntruncated")
    return d


def test_bad_inputs_are_quarantined_and_good_ones_written(bad_batch: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = run_ingest([str(bad_batch), str(bad_batch / "good1.html"), "--source", "test", "--out", str(out)])
    assert result.exit_code == 0, result.output
    pages, reasons = read_out(out)
    titles = [p["title"] for p in pages]
    named = sorted(t for t in titles if t is not None)
    assert named == sorted(["First good page", "Second good page", "A text dump headline", "WARC page A", "WARC page B", "WARC page C"])
    assert len(titles) == len(named) + 3  # deep.html, nul.html and wrong_charset.html have no <title>
    assert "empty file" in reasons["empty.html"]
    assert "PNG" in reasons["image.html"]
    assert "not valid utf-8" in reasons["invalid_for_charset.html"]
    assert "MiB" in reasons["huge.html"]
    assert "truncated gzip" in reasons["truncated.html.gz"]
    # Files are read in sorted order: the copy comes first, so the original is the repeat.
    assert "same page twice" in reasons["good1.html"] and "copy_of_good1.html" in reasons["good1.html"]
    assert "path given twice" in reasons["good1.html"]
    assert any(name.startswith("broken.warc#record") and "broken WARC record" in r for name, r in reasons.items())
    by_title = {p["title"]: p for p in pages}
    assert by_title["WARC page A"]["url"] == "https://example.org/a"
    assert by_title["WARC page A"]["encoding_source"] == "http"
    assert by_title["A text dump headline"]["published"] == "2024-06-19"
    texts = {p["text"] for p in pages}
    assert "deep" in texts and "nulbyte page" in texts
    assert any("Straße" in t and "Müller" in t for t in texts)  # wrong declared charset: detected, decoded
    summary = json.loads((out / "summary.json").read_text())
    assert summary["pages"] == len(pages)
    assert summary["quarantined"] == len((out / "quarantine.jsonl").read_text().splitlines()) == 8
    notes = (out / "notes.jsonl").read_text()
    assert "wrong_charset.html" in notes and "nul.html" in notes
    for f in out.glob("pages-*.parquet"):  # ingest output keeps raw beside text (the schema-1.0 layout)
        schema.load("pages", INGEST_PAGES_SCHEMA).validate(pq.read_table(f))


def test_strict_fails_on_any_quarantine_and_empty_batch_fails(bad_batch: Path, tmp_path: Path):
    result = run_ingest([str(bad_batch / "good1.html"), str(bad_batch / "empty.html"), "--source", "t", "--out", str(tmp_path / "a"), "--strict"])
    assert result.exit_code == 1
    result = run_ingest([str(bad_batch / "empty.html"), "--source", "t", "--out", str(tmp_path / "b")])
    assert result.exit_code == 1
    _, reasons = read_out(tmp_path / "b")
    assert reasons == {"empty.html": "empty file"}


def test_missing_and_unreadable_paths(tmp_path: Path, monkeypatch):
    good = tmp_path / "ok.html"
    good.write_bytes(page("Readable"))
    locked = tmp_path / "locked.html"
    locked.write_bytes(page("Locked"))
    # Tests run as root, who can read any file, so a permission error cannot be caused for real:
    # this is the one simulated fault in this file.
    real_open = Path.open

    def open_or_deny(self, *args, **kwargs):
        if self.name == "locked.html":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_or_deny)
    out = tmp_path / "out"
    result = run_ingest([str(good), str(locked), str(tmp_path / "nope.html"), "--source", "t", "--out", str(out)])
    assert result.exit_code == 0
    pages, reasons = read_out(out)
    assert [p["title"] for p in pages] == ["Readable"]
    assert "Permission denied" in reasons["locked.html"]
    assert reasons["nope.html"] == "no such file or directory"


def test_every_command_has_help():
    runner = CliRunner()
    commands = (["--help"], ["ingest", "--help"], ["release", "--help"], ["verify", "--help"], ["export-hub", "--help"],
                ["card", "--help"], ["bench", "--help"])
    for args in commands:
        result = runner.invoke(main, args)
        assert result.exit_code == 0 and "Usage" in result.output, args
