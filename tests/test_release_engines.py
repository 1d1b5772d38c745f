"""`pagegold release --engine/--jobs/--address`: the same release files on every engine and worker count.

A small checkout (tests/test_release.py's, plus two near-copies of its pages so the near-duplicate
step has clusters to find across map tasks) is released from its sources with small shards: on the
local engine in-process and with two workers, with one big shard, and on a real local Ray. Every
file of the release must be byte-identical (``manifest.json`` apart from its ``created`` time) and
verify clean. Bad engine options fail with a clear message before anything is written.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from curation import dataset, near_dup
from curation.verify import verify_release
from pagegold.cli import main
from tests.test_release import article, make_checkout


def near_dup_checkout(tmp_path: Path) -> Path:
    """test_release's checkout with pages 3 and 9 copied, a word added at the end of the copy."""
    checkout = make_checkout(tmp_path, n_pages=12)
    corpus = checkout / "corpus"
    truth = json.loads((corpus / "ground-truth.json").read_text())
    for src in (3, 9):
        paras = [f"Paragraph {j} of story {src}: the council of town {src} voted on budget item {j * 7 + src}." for j in range(4)]
        paras[3] += " Updated."
        key = f"copy{src:03d}"
        (corpus / "html" / f"{key}.html.gz").write_bytes(gzip.compress(article(f"Story number {src}", src % 9 + 1, paras)))
        truth[key] = {"articleBody": "\n\n".join(paras), "url": f"https://site{src % 5}.example.com/story/{src}-updated"}
    (corpus / "ground-truth.json").write_text(json.dumps(truth))
    return checkout


def release(checkout: Path, *options: str) -> tuple[int, str]:
    """``pagegold release 1.0.0 --from-sources OPTIONS`` in ``checkout``: (exit code, output)."""
    env = {"PAGEGOLD_DATA_DIR": str(checkout / "data")}
    result = CliRunner().invoke(main, ["release", "1.0.0", "--from-sources", *options], env=env)
    return result.exit_code, result.output


def release_files(checkout: Path) -> dict[str, str]:
    """sha256 of every file of data/v1.0.0 and .huggingface.yaml; the manifest without its time."""
    root = checkout / "data" / "v1.0.0"
    files = {str(f.relative_to(root)): hashlib.sha256(f.read_bytes()).hexdigest()
             for f in sorted(root.rglob("*")) if f.is_file() and f.name != "manifest.json"}  # fmt: skip
    manifest = json.loads((root / "manifest.json").read_text())
    del manifest["created"]
    files["manifest.json without created"] = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    files[".huggingface.yaml"] = hashlib.sha256((checkout / ".huggingface.yaml").read_bytes()).hexdigest()
    return files


@pytest.fixture(scope="module")
def local_release(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The reference: released in this process (--jobs 1), 4 files (pages) per shard and map task."""
    checkout = near_dup_checkout(tmp_path_factory.mktemp("jobs1"))
    code, output = release(checkout, "--jobs", "1", "--files-per-shard", "4")
    assert code == 0, output
    assert verify_release("v1.0.0", checkout / "data") == []
    return checkout, release_files(checkout)


def test_local_release_finds_near_duplicates_across_shards(local_release):
    checkout, files = local_release
    pages = {p["source_id"]: p for p in dataset.read_table("pages", root=checkout / "data").to_pylist()}
    assert len(pages) == 14
    for src in (3, 9):  # each copy is clustered with its original (in another shard and map task)
        original, copy = pages[f"page{src:03d}"], pages[f"copy{src:03d}"]
        assert {original["duplicate_of"], copy["duplicate_of"]} - {None} == {min(original["page_id"], copy["page_id"])}
        assert original["split"] == copy["split"]
    assert sum(p["duplicate_of"] is not None for p in pages.values()) == 2
    assert any(name.startswith("pages/") for name in files) and any(name.startswith("raw_pages/") for name in files)


@pytest.mark.parametrize("options", [("--jobs", "2", "--files-per-shard", "4"), ("--files-per-shard", "256")],
                         ids=["two-workers", "one-shard"])
def test_local_release_is_identical_for_any_jobs_and_shard_size(local_release, tmp_path: Path, options):
    checkout = near_dup_checkout(tmp_path)
    code, output = release(checkout, *options)
    assert code == 0, output
    assert verify_release("v1.0.0", checkout / "data") == []
    assert release_files(checkout) == local_release[1]


def test_release_uses_the_engine_for_near_duplicates(monkeypatch, tmp_path: Path):
    """The near-duplicate step runs its map tasks on the release's engine, one per group of pages."""
    from curation import engines
    from curation.release import build_release

    seen = []

    class Recording(engines.LocalEngine):
        def map(self, fn, items, on_result=None):
            seen.append((fn.__name__, len(items)))
            return super().map(fn, items, on_result)

    checkout = near_dup_checkout(tmp_path)
    build_release("1.0.0", root=checkout / "data", log=lambda m: None, from_sources=True, engine=Recording(), files_per_shard=4)
    assert ("run_shard_with", 4) in seen  # 14 corpus pages, 4 per shard
    assert ("map_pages", 4) in seen and ("reduce_partition", near_dup.PARTITIONS) in seen


def test_bad_engine_options_are_refused_before_anything_is_written(tmp_path: Path):
    checkout = make_checkout(tmp_path)
    for options, message in ((("--engine", "spark"), "Invalid value for '--engine'"),
                             (("--address", "auto"), "--address only applies to --engine ray"),
                             (("--jobs", "0"), "Invalid value for '--jobs'")):  # fmt: skip
        code, output = release(checkout, *options)
        assert code != 0 and message in output, output
    assert dataset.list_versions(checkout / "data") == [] and not list((checkout / "data").glob(".tmp-*"))


def test_ray_missing_gives_install_hint(monkeypatch, tmp_path: Path):
    # `import ray` raises ImportError, as when the extra is not installed (Ray is installed here,
    # so the missing package is simulated at the import system, not uninstalled).
    monkeypatch.setitem(sys.modules, "ray", None)
    checkout = make_checkout(tmp_path)
    code, output = release(checkout, "--engine", "ray")
    assert code != 0 and "pip install 'pagegold[ray]'" in output, output
    assert dataset.list_versions(checkout / "data") == [] and not list((checkout / "data").glob(".tmp-*"))


@pytest.mark.ray
def test_unreachable_ray_address_is_a_clear_error(tmp_path: Path):
    # Not "auto": on a shared machine that may find someone else's Ray. A Ray Client address with
    # nothing listening fails after Ray's connection timeout (~30 s).
    pytest.importorskip("ray")
    checkout = make_checkout(tmp_path)
    ray_tmp = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    env = {**os.environ, "PAGEGOLD_DATA_DIR": str(checkout / "data"), "RAY_TMPDIR": ray_tmp}
    env.pop("RAY_ADDRESS", None)
    try:
        done = subprocess.run([sys.executable, "-m", "pagegold.cli", "release", "1.0.0", "--from-sources", "--engine", "ray",
                               "--address", "ray://127.0.0.1:1"], env=env, capture_output=True, text=True, timeout=180)  # fmt: skip
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    assert done.returncode != 0
    assert "cannot start or reach Ray at ray://127.0.0.1:1" in done.stderr, done.stderr
    assert dataset.list_versions(checkout / "data") == [] and not list((checkout / "data").glob(".tmp-*"))


@pytest.mark.ray
def test_ray_release_is_identical_to_local(local_ray, local_release, tmp_path: Path):
    checkout = near_dup_checkout(tmp_path)
    code, output = release(checkout, "--engine", "ray", "--files-per-shard", "4")
    assert code == 0, output
    assert verify_release("v1.0.0", checkout / "data") == []
    assert release_files(checkout) == local_release[1]
