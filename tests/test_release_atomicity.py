"""`pagegold release` killed with SIGKILL at every stage leaves earlier releases intact and verified,
and a rerun succeeds.

The kill is real: ``PAGEGOLD_RELEASE_KILL_AT=<stage>`` makes the release process send itself
SIGKILL at that point (curation.release.KILL_STAGES), so no ``finally`` or cleanup code runs, as
with ``kill -9`` or a power cut. The release builds on a small v1.0.0 and ingests one new source.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from curation import dataset
from curation.release import KILL_STAGES, build_release
from curation.verify import verify_release
from tests.test_release import article, make_checkout

CHECKOUT = Path(__file__).resolve().parent.parent
CLI = "import sys; from pagegold.cli import main; sys.argv[0] = 'pagegold'; sys.exit(main())"


def run_release(root: Path, version: str, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(CHECKOUT), "PAGEGOLD_DATA_DIR": str(root)}
    env.pop("PAGEGOLD_RELEASE_KILL_AT", None)
    if kill_at:
        env["PAGEGOLD_RELEASE_KILL_AT"] = kill_at
    return subprocess.run([sys.executable, "-c", CLI, "release", version], env=env, capture_output=True, text=True,
                          timeout=300)


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def released_once(tmp_path_factory) -> Path:
    """A checkout with v1.0.0 released and a new source in its recipe (built once, copied per test)."""
    co = make_checkout(tmp_path_factory.mktemp("atomicity"), n_pages=8)
    build_release("1.0.0", root=co / "data", log=lambda m: None)
    extra = co / "extra"
    (extra / "html").mkdir(parents=True)
    truth = {}
    for i in range(3):  # a new source, so that the release also ingests (the "ingested" stage)
        paras = [f"Extra story {i}, paragraph {j}: the harbour of town {i} reopened after repairs." for j in range(3)]
        (extra / "html" / f"x{i}.html.gz").write_bytes(gzip.compress(article(f"Extra {i}", 2, paras)))
        truth[f"x{i}"] = {"articleBody": "\n\n".join(paras), "url": f"https://extra{i}.example.net/a/{i}"}
    (extra / "ground-truth.json").write_text(json.dumps(truth))
    recipe = co / "data" / "sources.yaml"
    recipe.write_text(recipe.read_text() + "  - name: extra\n    format: aeb\n    paths: [extra]\n    license: MIT\n")
    return co


@pytest.fixture
def checkout(released_once: Path, tmp_path: Path, monkeypatch) -> Path:
    co = tmp_path / "checkout"
    shutil.copytree(released_once, co)
    monkeypatch.setenv("PAGEGOLD_DATA_DIR", str(co / "data"))
    return co


@pytest.mark.parametrize("stage", KILL_STAGES)
def test_a_release_killed_at_any_stage_leaves_earlier_releases_intact(checkout: Path, stage: str):
    root = checkout / "data"
    before = digests(root / "v1.0.0")
    killed = run_release(root, "1.1.0", kill_at=stage)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert digests(root / "v1.0.0") == before
    assert verify_release("v1.0.0", root) == []
    if stage == "renamed":  # killed after the commit point: the release is complete, only the config lags
        assert dataset.list_versions(root) == ["v1.0.0", "v1.1.0"]
        assert verify_release("v1.1.0", root) == []
        assert "v1.1.0" not in (checkout / ".huggingface.yaml").read_text()
        again = run_release(root, "1.1.0")
        assert again.returncode == 1 and "immutable" in again.stderr
        assert "pages-v1.1.0" in (checkout / ".huggingface.yaml").read_text()  # the refused rerun completed it
    else:
        assert dataset.list_versions(root) == ["v1.0.0"]
        assert not (root / "v1.1.0").exists()
        assert list(root.glob(".tmp-v1.1.0-*"))  # SIGKILL ran no cleanup: the scratch folder is left behind
        rerun = run_release(root, "1.1.0")
        assert rerun.returncode == 0, rerun.stderr
        assert verify_release("v1.1.0", root) == []
        assert not list(root.glob(".tmp-*"))  # the rerun removed the stale scratch
    manifest = dataset.read_manifest("1.1.0", root)
    assert manifest["tables"]["pages"]["rows"] == 11 and manifest["parent"] == "1.0.0"
    assert digests(root / "v1.0.0") == before
