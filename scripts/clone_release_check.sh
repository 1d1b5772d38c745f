#!/usr/bin/env bash
# The contributor's loop from a fresh clone with no corpora beside it (issue 13, "Must show"):
# clone → set up → start Label Studio → annotate one page with the scripted path → pull →
# adjudicate → `pagegold release VERSION` → `pagegold verify --all` → the new release's size.
# Exits non-zero on any failure; prints each step's time.
#
#   bash scripts/clone_release_check.sh [REPO] [VERSION]
#     REPO     what to `git clone` (default: this checkout); VERSION default: the latest release's next patch version
#
# Env:
#   PAGEGOLD_CHECK_VENV=/path/.venv  reuse that venv (its packages; the clone's code goes first
#                                    via PYTHONPATH) instead of `make setup` in the clone
#   PAGEGOLD_CHECK_KEEP=1            keep the temporary folder (printed) for inspection
# The Label Studio server's own venv and template come from ~/.cache/pagegold (made on first use
# by `pagegold annotate server start`, 1-2 min) and its data dir is a new temporary folder.
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"
REPO="${1:-$HERE}"
VERSION="${2:-}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pagegold-clone-check.XXXXXX")"
CLONE="$WORK/x"
LS_DIR="$WORK/labelstudio"
PROJECT="clone-check"
ANNOTATOR="clone-check@pagegold.local"
T0=$SECONDS
PY=""

step() { printf '\n== [%4ds] %s\n' "$((SECONDS - T0))" "$*"; }
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
cleanup() {
  local rc=$?
  if [[ -n "$PY" && -f "$LS_DIR/pagegold-server.json" ]]; then
    (cd "$CLONE" && "$PY" -m pagegold.cli annotate server stop --data-dir "$LS_DIR" >/dev/null 2>&1) || true
  fi
  if [[ "${PAGEGOLD_CHECK_KEEP:-}" == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
  if [[ $rc -eq 0 ]]; then printf '\nOK: clone release check passed in %ds\n' "$((SECONDS - T0))"
  else printf '\nFAILED (exit %d) after %ds\n' "$rc" "$((SECONDS - T0))" >&2; fi
}
trap cleanup EXIT

step "git clone $REPO $CLONE"
git clone --quiet "$REPO" "$CLONE"
if [[ -z "$VERSION" ]]; then  # the next patch version after the clone's latest release
  LATEST="$(cd "$CLONE/data" && ls -d v*.*.* | sort -V | tail -1)"
  IFS=. read -r MAJOR MINOR PATCH <<< "${LATEST#v}"
  VERSION="$MAJOR.$MINOR.$((PATCH + 1))"
fi
[[ -e "$WORK/shared" ]] && fail "$WORK/shared exists: the check needs a clone without ../shared"
echo "commit $(git -C "$CLONE" rev-parse --short HEAD); no ../shared beside the clone"
cd "$CLONE"

if [[ -n "${PAGEGOLD_CHECK_VENV:-}" ]]; then
  step "reuse venv $PAGEGOLD_CHECK_VENV (PYTHONPATH=$CLONE)"
  PY="$PAGEGOLD_CHECK_VENV/bin/python"
  export PYTHONPATH="$CLONE"
else
  step "make setup"
  make setup
  PY="$CLONE/.venv/bin/python"
fi
where="$("$PY" -c 'import curation; print(curation.__file__)')"
[[ "$where" == "$CLONE/"* ]] || fail "the clone's code is not the one imported ($where)"
unset PAGEGOLD_DATA_DIR PAGEGOLD_STAGING_DIR PAGEGOLD_LS_DATA_DIR LABEL_STUDIO_URL LABEL_STUDIO_API_KEY
export HF_HUB_OFFLINE=1
pg() { "$PY" -m pagegold.cli "$@"; }

step "pick a page of the latest release that has no annotated gold yet"
PAGE_ID="$("$PY" - <<'EOF'
from curation import dataset
latest = dataset.latest_version()
done = set(dataset.read_table("entity_gold", latest, columns=["page_id"]).column("page_id").to_pylist())
gold = {r["page_id"]: r for r in dataset.read_table("boilerplate_gold", latest, split="test",
        columns=["page_id", "main_blocks"]).to_pylist()}
page = next(p for p in dataset.iter_pages(latest, split="test", columns=["page_id", "source"])
            if p["page_id"] not in done and len(gold.get(p["page_id"], {}).get("main_blocks") or []) >= 3)
print(page["page_id"])
EOF
)"
echo "page $PAGE_ID"

step "start Label Studio (data dir $LS_DIR)"
pg annotate server start --data-dir "$LS_DIR" --port "$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

step "push the page to project $PROJECT"
pg annotate push --project "$PROJECT" --ids "$PAGE_ID" --no-zone-prelabels --server-dir "$LS_DIR"

step "annotate it with the scripted path (show, then submit an annotation file)"
pg annotate show --project "$PROJECT" --page-id "$PAGE_ID" --server-dir "$LS_DIR" > "$WORK/blocks.txt"
echo "$(wc -l < "$WORK/blocks.txt") blocks shown"
# The annotator's decisions, written as a file: MAIN = the source gold's main blocks (as ranges),
# one entity = the first capitalised word inside MAIN that is not a sentence start.
PAGE_ID="$PAGE_ID" "$PY" - > "$WORK/annotation.json" <<'EOF'
import json, os, re
from curation import dataset
pid = os.environ["PAGE_ID"]
page = next(dataset.iter_pages(ids=[pid], columns=["page_id", "text", "blocks"]))
main = next(r for r in dataset.read_table("boilerplate_gold").to_pylist() if r["page_id"] == pid)["main_blocks"]
ranges = []
for b in sorted(main):
    if ranges and ranges[-1][1] == b - 1:
        ranges[-1][1] = b
    else:
        ranges.append([b, b])
name = None
for b in sorted(main):
    block = page["text"][page["blocks"][b]["start"]:page["blocks"][b]["end"]]
    found = re.search(r"(?<=[a-z,] )([A-Z][a-z]{2,})(?!\w)", block)
    if found:
        name = found.group(1)
        break
entities = [{"text": name, "label": "MISC"}] if name else []
print(json.dumps({"page_id": pid, "main": ranges, "entities": entities}))
EOF
cat "$WORK/annotation.json" | head -c 400; echo
pg annotate submit --project "$PROJECT" --as "$ANNOTATOR" --server-dir "$LS_DIR" "$WORK/annotation.json"

step "pull and adjudicate"
pg annotate pull --project "$PROJECT" --server-dir "$LS_DIR"
pg annotate adjudicate --project "$PROJECT"

step "pagegold release $VERSION"
pg release "$VERSION"

step "pagegold verify --all"
pg verify --all

step "the new release: size on disk and what it holds"
NEW="data/v$VERSION"
du -sh "$NEW" data/v* | sort -k2
find "$NEW" -type f -printf '%8s  %p\n' | sort -k2
for heavy in pages raw_pages; do
  [[ -e "$NEW/$heavy" ]] && fail "$NEW/$heavy was written: a gold-only release must list its parent's page files"
done
"$PY" - "$VERSION" <<'EOF'
import sys
from curation import dataset
m = dataset.read_manifest(sys.argv[1])
own = {t: sum(f["rows"] for f in e["files"] if f["path"].startswith(f"v{m['version']}/")) for t, e in m["tables"].items()}
print("rows written by this release:", {t: n for t, n in own.items() if n})
print("changelog:", {t: {k: v for k, v in c.items() if k in ("added", "changed", "removed")}
                      for t, c in m["changelog"].items() if isinstance(c, dict) and "added" in c})
assert own["pages"] == own["raw_pages"] == 0, own
assert own["entity_gold"] + own["zone_gold"] >= 1, own
EOF
