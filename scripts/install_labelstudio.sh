#!/usr/bin/env bash
# Create the Label Studio *server* virtualenv (label-studio==1.23.2), separate from the project's
# venv. Idempotent: a no-op when already installed. Needs only a Python 3.11 with the stdlib.
#
#   bash scripts/install_labelstudio.sh
#
# Env: PAGEGOLD_LS_VENV (default ~/.cache/pagegold/labelstudio-venv), PAGEGOLD_HOME,
#      PAGEGOLD_LS_PYTHON (interpreter for the venv), PAGEGOLD_LS_VERSION.
# Time: ~1-2 min on a fresh machine (pip downloads ~60 packages).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PAGEGOLD_LS_PYTHON:-$(command -v python3.11 || command -v python3)}"
export PAGEGOLD_LS_PYTHON="$PY"
exec "$PY" -m curation.labelstudio.install
