"""Install the Label Studio *server* in its own virtual environment (stdlib only).

Why a separate venv: label-studio 1.23.2 pins ~60 packages (Django<5.3, pyarrow<25, its own
label-studio-sdk, ...) that must not fight the project's dependencies; the project itself only
needs the SDK. This module only uses the standard library so that
``scripts/install_labelstudio.sh`` (CI, Makefile) can run it before anything else is installed:

    python3 -m curation.labelstudio.install        # idempotent: a no-op when already installed

Environment:
    PAGEGOLD_HOME        root of PageGold's per-user state (default ~/.cache/pagegold)
    PAGEGOLD_LS_VENV     the server venv (default $PAGEGOLD_HOME/labelstudio-venv)
    PAGEGOLD_LS_VERSION  label-studio version (default 1.23.2)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

LABEL_STUDIO_VERSION = "1.23.2"
STAMP = ".pagegold-installed"


def pagegold_home() -> Path:
    """Per-user PageGold state, outside any repository: ``$PAGEGOLD_HOME`` or ~/.cache/pagegold."""
    env = os.environ.get("PAGEGOLD_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "pagegold"


def venv_dir() -> Path:
    env = os.environ.get("PAGEGOLD_LS_VENV")
    return Path(env).expanduser() if env else pagegold_home() / "labelstudio-venv"


def wanted_version() -> str:
    return os.environ.get("PAGEGOLD_LS_VERSION", LABEL_STUDIO_VERSION)


def label_studio_executable(venv: Path | None = None) -> Path:
    return (venv or venv_dir()) / "bin" / "label-studio"


def is_installed(venv: Path | None = None) -> bool:
    """True when the venv finished installing the wanted version (the stamp is written last)."""
    venv = venv or venv_dir()
    stamp = venv / STAMP
    return stamp.is_file() and stamp.read_text().strip() == wanted_version() and label_studio_executable(venv).exists()


def install(venv: Path | None = None, python: str | None = None, quiet: bool = False) -> Path:
    """Create the server venv and pip-install label-studio into it; return the venv path.

    A venv is not relocatable, so it is built at its final path; the stamp file written at the
    very end marks it complete, and an unfinished one is wiped and rebuilt on the next call.
    """
    venv = venv or venv_dir()
    if is_installed(venv):
        return venv
    version = wanted_version()
    python = python or os.environ.get("PAGEGOLD_LS_PYTHON") or sys.executable
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    say = (lambda msg: None) if quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    say(f"Installing label-studio=={version} into {venv} (takes 1-2 minutes) ...")
    # --without-pip + ensurepip would be slower; a plain venv already carries pip.
    _run([python, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
    _run([*pip, "install", f"label-studio=={version}"])
    (venv / STAMP).write_text(version + "\n")
    say(f"label-studio {version} installed in {time.monotonic() - started:.0f} s")
    return venv


def _run(cmd: list[str]) -> None:
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        # pip's own output is the useful part of the error; keep its tail.
        tail = "\n".join(result.stdout.splitlines()[-30:])
        raise RuntimeError(f"command failed ({result.returncode}): {' '.join(cmd)}\n{tail}")


def main() -> int:
    venv = venv_dir()
    if is_installed(venv):
        print(f"label-studio {wanted_version()} already installed in {venv}")
        return 0
    install(venv)
    print(f"label-studio {wanted_version()} installed in {venv}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
