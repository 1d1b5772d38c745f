"""Sharded ingest: same tables on every engine and worker count, cross-shard repeats, resume after kill -9.

Inputs are generated here (no ../shared needed). Ray tests start a real local Ray (2 CPUs, no
dashboard, a small object store, RAY_TMPDIR in a temp folder) and shut it down at the end.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from sigkill import sigkill_when

from curation import engines, shards
from curation.ingest import ingest
from pagegold.cli import main

WORDS = ("the minister said on tuesday that talks would resume after a long pause in the capital while markets "
         "rallied and analysts warned of risks ahead for growth exports rose sharply").split()  # fmt: skip


def make_page(i: int, paragraphs: int = 12) -> bytes:
    rng = random.Random(i)
    body = "".join(f"<p>{' '.join(rng.choice(WORDS) for _ in range(50))}.</p>" for _ in range(paragraphs))
    return (f"<html><head><title>Story {i}</title></head><body><nav><a href='/'>Home</a> <a href='/w'>World</a></nav>"
            f"<article><h1>Story {i}</h1>{body}</article><footer>© News {i % 7}</footer></body></html>").encode()  # fmt: skip


def make_inputs(folder: Path, n: int, paragraphs: int = 12) -> Path:
    """n pages, a few of them exact copies of pages that sit in other shards, and one bad file."""
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"p{i:04d}.html").write_bytes(make_page(i, paragraphs))
    for j, src in enumerate((1, 2, n // 2)):  # sorted after p*: repeats found only across shards
        (folder / f"r{j}.html").write_bytes(make_page(src, paragraphs))
    (folder / "empty.html").write_bytes(b"")
    return folder


def table_digest(out: Path, table: str = "pages") -> tuple[int, str]:
    """Row count and a digest of the table's content, rows in file-name order."""
    digest, rows = hashlib.sha256(), 0
    for f in sorted(out.glob(f"{table}-*.parquet")):
        for row in pq.read_table(f).to_pylist():
            digest.update(json.dumps(row, sort_keys=True, default=repr).encode())
            rows += 1
    return rows, digest.hexdigest()


def file_digests(out: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(out.glob("*.parquet"))}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    return make_inputs(tmp_path_factory.mktemp("scale") / "in", 40)


@pytest.fixture(scope="module")
def local_run(inputs: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    ingest([str(inputs)], "t", out, files_per_shard=8, jobs=2)
    return out


def test_local_runs_agree_for_any_jobs_and_remove_cross_shard_repeats(inputs: Path, local_run: Path, tmp_path: Path):
    one = tmp_path / "jobs1"
    summary = ingest([str(inputs)], "t", one, files_per_shard=8, jobs=1)
    assert summary["shards"] == {"total": 6, "ran": 6, "skipped": 0}
    assert file_digests(one) == file_digests(local_run)  # byte-identical files, whatever the pool size
    assert table_digest(one) == table_digest(local_run)
    # One shard holding everything gives the same table content as six shards.
    whole = tmp_path / "whole"
    ingest([str(inputs)], "t", whole, files_per_shard=10_000)
    assert table_digest(whole) == table_digest(local_run) == (40, table_digest(one)[1])
    quarantine = [json.loads(line) for line in (local_run / "quarantine.jsonl").read_text().splitlines()]
    repeats = {Path(q["path"]).name: q["reason"] for q in quarantine if "same page twice" in q["reason"]}
    assert sorted(repeats) == ["r0.html", "r1.html", "r2.html"]
    assert "p0001.html" in repeats["r0.html"] and "p0020.html" in repeats["r2.html"]
    assert any(q["reason"] == "empty file" for q in quarantine)
    assert quarantine == [json.loads(line) for line in (whole / "quarantine.jsonl").read_text().splitlines()]
    summary = json.loads((local_run / "summary.json").read_text())
    assert summary["pages"] == 40 and summary["quarantined"] == 4
    assert sorted(summary["files"]) == sorted(f.name for f in local_run.glob("*.parquet"))


def test_rerun_skips_finished_shards_and_reruns_changed_ones(inputs: Path, tmp_path: Path):
    data = tmp_path / "in"
    shutil.copytree(inputs, data)
    out = tmp_path / "out"
    first = ingest([str(data)], "t", out, files_per_shard=8)
    assert first["shards"]["ran"] == 6
    again = ingest([str(data)], "t", out, files_per_shard=8)
    assert again["shards"] == {"total": 6, "ran": 0, "skipped": 6}
    assert again["pages"] == first["pages"]
    (data / "p0009.html").write_bytes(make_page(999))  # shard 1 holds p0008…p0015
    changed = ingest([str(data)], "t", out, files_per_shard=8)
    assert changed["shards"] == {"total": 6, "ran": 1, "skipped": 5}
    titles = {r["title"] for f in out.glob("pages-*.parquet") for r in pq.read_table(f, columns=["title"]).to_pylist()}
    assert "Story 999" in titles and "Story 9" not in titles
    (data / "p0039.html").unlink()  # fewer inputs: fewer files, and no stale ones left behind
    fewer = ingest([str(data)], "t", out, files_per_shard=8)
    assert fewer["pages"] == 39 and table_digest(out)[0] == 39


def test_killed_run_resumes_only_unfinished_shards(tmp_path: Path):
    data = make_inputs(tmp_path / "in", 120, paragraphs=20)
    out = tmp_path / "out"
    args = [sys.executable, "-m", "pagegold.cli", "ingest", str(data), "--source", "t", "--out", str(out), "--files-per-shard", "6"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sigkill_when(proc, lambda: len(list(out.glob("_shards/*/_done"))) >= 4, "ingest", timeout=60)  # mid-shard
    finished = {p.parent.name: (p.stat().st_mtime_ns, p.read_text()) for p in out.glob("_shards/*/_done")}
    total = len(list(data.iterdir())) // 6 + 1  # 124 files → 21 shards
    assert 4 <= len(finished) < total
    assert not (out / "summary.json").exists()

    result = CliRunner().invoke(main, args[3:], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["shards"] == {"total": total, "ran": total - len(finished), "skipped": len(finished)}
    for name, (mtime, text) in finished.items():  # finished shards were not touched
        marker = out / "_shards" / name / "_done"
        assert (marker.stat().st_mtime_ns, marker.read_text()) == (mtime, text)
    assert not list(out.rglob("*.tmp-*"))  # the dead run's temp files are gone

    clean = tmp_path / "clean"
    ingest([str(data)], "t", clean, files_per_shard=6, jobs=2)
    assert file_digests(out) == file_digests(clean)
    assert table_digest(out) == table_digest(clean)
    assert (out / "quarantine.jsonl").read_text() == (clean / "quarantine.jsonl").read_text()


def test_ray_missing_gives_install_hint(monkeypatch, tmp_path: Path):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray → ImportError
    with pytest.raises(engines.EngineError, match=r"pip install 'pagegold\[ray\]'"):
        engines.make_engine("ray")
    (tmp_path / "a.html").write_bytes(make_page(1))
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "a.html"), "--source", "t", "--out", str(tmp_path / "o"), "--engine", "ray"])
    assert result.exit_code != 0 and "pip install 'pagegold[ray]'" in result.output
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "a.html"), "--source", "t", "--out", str(tmp_path / "o"), "--address", "auto"])
    assert result.exit_code != 0 and "--address only applies" in result.output


@pytest.mark.ray
def test_ray_run_matches_local_run(local_ray, inputs: Path, local_run: Path, tmp_path: Path):
    out = tmp_path / "ray"
    result = CliRunner().invoke(main, ["ingest", str(inputs), "--source", "t", "--out", str(out), "--engine", "ray", "--files-per-shard", "8"],
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert table_digest(out) == table_digest(local_run)
    assert file_digests(out) == file_digests(local_run)
    assert (out / "quarantine.jsonl").read_text() == (local_run / "quarantine.jsonl").read_text()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["engine"] == "ray" and summary["shards"]["ran"] == 6
    # Ray ran the shards in its own worker processes, not in this one.
    pids = {json.loads(p.read_text())["pid"] for p in out.glob("_shards/*/_done")}
    assert os.getpid() not in pids
    assert local_ray.is_initialized()  # an engine that joined a running Ray leaves it running


@pytest.mark.ray
def test_ray_resumes_a_local_run(local_ray, inputs: Path, tmp_path: Path):
    out = tmp_path / "mixed"
    ingest([str(inputs)], "t", out, files_per_shard=8)
    for name in ("s00002", "s00004"):  # as if the local run had died before these finished
        (out / shards.WORK / name / shards.DONE).unlink()
    summary = ingest([str(inputs)], "t", out, files_per_shard=8, engine="ray")
    assert summary["shards"] == {"total": 6, "ran": 2, "skipped": 4}
    clean = tmp_path / "clean"
    ingest([str(inputs)], "t", clean, files_per_shard=8)
    assert file_digests(out) == file_digests(clean)


@pytest.fixture(scope="module")
def near_dup_pages(tmp_path_factory) -> list[list[str]]:
    """Ingested pages (6 shards) with five near-duplicates of earlier pages (a changed title/footer)."""
    folder = make_inputs(tmp_path_factory.mktemp("nd") / "in", 40)
    for j, src in enumerate((3, 11, 19, 27, 35)):
        (folder / f"v{j}.html").write_bytes(make_page(src).replace(b"</footer>", b" Updated.</footer>").replace(b"Story", b"Report", 1))
    out = folder.parent / "out"
    ingest([str(folder)], "t", out, files_per_shard=8)
    return [sorted(map(str, d.glob("pages-*.parquet"))) for d in sorted((out / shards.WORK).iterdir())]


def expected_clusters(groups: list[list[str]]) -> dict[str, str]:
    """The oracle: every pair of pages compared (same text hash, or signature similarity over the
    threshold), no banding, no files; union-find over the pairs found."""
    import numpy as np

    from curation import near_dup

    rows = [r for files in groups for f in files for r in pq.read_table(f, columns=["page_id", "text", "text_sha256"]).to_pylist()]
    sigs = {r["page_id"]: near_dup.signature(r["text"]) for r in rows}
    pairs = [(a["page_id"], b["page_id"]) for i, a in enumerate(rows) for b in rows[i + 1:]
             if a["text_sha256"] == b["text_sha256"] or np.mean(sigs[a["page_id"]] == sigs[b["page_id"]]) >= near_dup.THRESHOLD]
    return near_dup.representatives(pairs)


def test_sharded_near_dup_equals_all_pairs_compared(near_dup_pages: list[list[str]], tmp_path: Path):
    from curation import near_dup

    expected = expected_clusters(near_dup_pages)
    assert len(expected) == 10 and len(set(expected.values())) == 5  # five pairs found
    assert near_dup.clusters(near_dup_pages, tmp_path / "w1") == expected
    assert near_dup.clusters(near_dup_pages) == expected  # scratch in a temporary folder
    pool = engines.LocalEngine(jobs=2)
    try:
        assert near_dup.clusters(near_dup_pages, tmp_path / "w2", pool) == expected
    finally:
        pool.close()


@pytest.mark.ray
def test_sharded_near_dup_on_ray(local_ray, near_dup_pages: list[list[str]], tmp_path: Path):
    from curation import near_dup

    engine = engines.make_engine("ray")
    assert near_dup.clusters(near_dup_pages, tmp_path / "w", engine) == expected_clusters(near_dup_pages)
    engine.close()  # joined the test's Ray: leaves it running
    assert local_ray.is_initialized()
