"""Doc tests: every python/bash block of README.md, DATASET_CARD.md and docs/*.md runs as written.

See ``tests/doc_blocks.py`` for what is run, how, and the marker for blocks a test cannot run.
The last test prints how many blocks ran and how many were marked, with their reasons.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests import doc_blocks

BLOCKS = doc_blocks.all_blocks()
VENV_BIN = Path(sys.executable).parent
RESULTS: dict[str, str] = {}


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(doc_blocks.ROOT), PATH=f"{VENV_BIN}:{os.environ['PATH']}")
    env.update(extra)
    return env


def _scratch_checkout(tmp: Path) -> Path:
    """A folder shaped like the checkout for bash blocks: code and data linked, Markdown copied.

    Commands that rewrite DATASET_CARD.md or write build folders then leave the real checkout alone.
    """
    root = tmp / "checkout"
    root.mkdir()
    for entry in doc_blocks.ROOT.iterdir():
        if entry.name.startswith(".") and entry.name != ".huggingface.yaml":
            continue
        if entry.name == "build":  # the checkout's own outputs (setuptools' too): blocks write theirs in the copy
            continue
        if entry.suffix == ".md":
            shutil.copy(entry, root / entry.name)
        elif entry.name == "data":  # a folder of links: new files (staging, builds) land in the scratch copy
            (root / "data").mkdir()
            for item in entry.iterdir():
                (root / "data" / item.name).symlink_to(item)
        else:
            (root / entry.name).symlink_to(entry)
    return root


def run_block(block: doc_blocks.Block, tmp: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run one block the way a user would paste it; return the finished process."""
    if block.kind == "python":
        script = tmp / "block.py"
        script.write_text(block.code, encoding="utf-8")
        cmd, cwd, env = [sys.executable, str(script)], doc_blocks.ROOT, _env()
    else:
        cwd = _scratch_checkout(tmp)
        script = tmp / "block.sh"
        script.write_text("set -e -o pipefail\n" + block.code, encoding="utf-8")
        env = _env(PAGEGOLD_DATA_DIR=str(cwd / "data"), PAGEGOLD_CACHE=str(tmp / "cache"),
                   PAGEGOLD_STAGING_DIR=str(tmp / "staging"), PAGEGOLD_HOME=str(tmp / "home"))
        cmd = ["bash", str(script)]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("block", BLOCKS, ids=[b.id for b in BLOCKS])
def test_doc_block(block: doc_blocks.Block, tmp_path: Path) -> None:
    assert not block.marked_without_reason, f"{block.id}: the doc-test marker needs a reason"
    if block.skip_reason:
        RESULTS[block.id] = f"marked: {block.skip_reason}"
        return  # counted as marked in the summary below, not as a pass of the block
    done = run_block(block, tmp_path)
    RESULTS[block.id] = "ran" if done.returncode == 0 else "FAILED"
    assert done.returncode == 0, (
        f"{block.id} failed (exit {done.returncode}):\n{textwrap.indent(block.code, '  ')}\n"
        f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
    )
    if "load_dataset" in block.code:  # the checkout's README has front matter, so datasets has nothing to warn about
        assert "Repo card metadata block was not found" not in done.stderr


def test_harness_catches_a_failing_block(tmp_path: Path) -> None:
    """The harness must fail on the snippet the README shipped before (datasets 5.2 rejects ".")."""
    doc = tmp_path / "doc.md"
    doc.write_text(
        'text\n\n```python\nimport datasets\ndatasets.load_dataset(".", "pages")\n```\n\n'
        "```bash\n# not run by the doc tests: needs a browser\nchromium\n```\n\n"
        "```\nnot a command\n```\n",
        encoding="utf-8",
    )
    found = doc_blocks.blocks(doc)
    assert [(b.kind, b.skip_reason) for b in found] == [("python", None), ("bash", "needs a browser")]
    done = run_block(found[0], tmp_path)
    assert done.returncode != 0
    assert "dataset_name should be specified but got None" in done.stderr


def test_marker_without_reason_is_refused(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("```bash\n# not run by the doc tests:\npagegold --help\n```\n", encoding="utf-8")
    (block,) = doc_blocks.blocks(doc)
    assert block.marked_without_reason and block.skip_reason is None


def test_zz_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """Report ran vs marked; every block must be either run or marked with a reason."""
    marked = [b for b in BLOCKS if b.skip_reason]
    ran = [b for b in BLOCKS if not b.skip_reason]
    with capsys.disabled():
        print(f"\ndoc blocks: {len(BLOCKS)} found, {len(ran)} run, {len(marked)} marked as not runnable in a test")
        for b in marked:
            print(f"  marked {b.id}: {b.skip_reason}")
    assert ran, "no doc block ran"
    assert not [k for k, v in RESULTS.items() if v == "FAILED"]
