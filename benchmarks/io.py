"""Read gold and prediction files for ``pagegold bench score`` (bring your own predictions).

Gold formats (detected from the path):

* AEB ``ground-truth.json``: ``{id: {"articleBody": str, "url": str}}``;
* a corpus folder in any layout of docs/corpora.md that ``--format auto`` recognises (a WCXB
  root, L3S-GN1, trafilatura-eval …), keyed by its own ids;
* a WCXB ground-truth folder (``…/ground-truth/NNNN.json`` files, or its parent): each file's
  ``ground_truth.main_content`` / ``with`` / ``without`` and ``_internal.page_type.primary``,
  keyed by file stem (WCXB's own ``evaluate.py`` does the same);
* JSONL, one ``{"page_id", "text"}`` per line (optional ``with_snippets``, ``without_snippets``,
  ``page_type``); a line with snippets and no ``text`` key is snippets-only gold, scored by the
  snippet metric alone (metrics follow the gold).

Prediction formats: AEB output JSON in both shapes (``{id: {"articleBody"}}`` or
``{"version": V, "output": {id: {"articleBody"}}}``), WCXB results ``{id: "text"}`` (other entries
ignored with a note), JSONL ``{"page_id" | "id" | "source_id", "text"}``, or a ``bench run`` folder /
its predictions.parquet (keyed by page_id and by source_id, whichever the gold uses). A ``null``
text means "no output" and is scored as empty.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec


class InputError(ValueError):
    """A gold or prediction file cannot be read; the message names the file and the problem."""


@dataclass
class GoldPage:
    text: str | None  # None: snippets-only gold (no main-text metric scores the page)
    with_snippets: list[str] | None = None
    without_snippets: list[str] | None = None
    page_type: str | None = None
    url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _load_json(path: Path) -> Any:
    """The JSON value of a file: ``json.loads`` of its bytes, errors as ``InputError``.

    msgspec parses first (twice as fast on AEB's outputs, whose reading was a third of scoring them):
    on standard JSON in UTF-8 it gives the value ``json`` gives (big integers, floats and escapes
    alike; ``tests/test_io_json.py`` checks it), and it refuses all that ``json`` reads otherwise
    (NaN, a lone surrogate escape, a byte-order mark, UTF-16, an out-of-range float), which ``json``
    then decides, so values and errors stay ``json``'s.
    """
    data = path.read_bytes()  # from bytes: text-mode reading would take longer than parsing
    try:
        return msgspec.json.decode(data)
    except msgspec.MsgspecError:
        pass
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc})") from exc


def iter_jsonl(path: Path, required: tuple[str, ...] = ("page_id", "text")):
    """(line number, object) of each non-empty line; InputError names the file, line and problem."""
    try:
        with path.open("r", encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from exc
                if not isinstance(row, dict):
                    raise InputError(f"{path}:{lineno}: expected a JSON object, got {type(row).__name__}")
                for key in required:
                    if key not in row:
                        raise InputError(f"{path}:{lineno}: missing key {key!r} (each line needs {' and '.join(required)})")
                yield lineno, row
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc})") from exc


def _iter_jsonl(path: Path):
    for lineno, row in iter_jsonl(path):
        if row["text"] is not None and not isinstance(row["text"], str):
            raise InputError(f"{path}:{lineno}: 'text' must be a string or null, got {type(row['text']).__name__}")
        yield lineno, row


def _check_exists(path: Path, what: str) -> None:
    if not path.exists():
        raise InputError(f"{what} {path} does not exist")


def _is_jsonl(path: Path) -> bool:
    return path.suffix.lower() in {".jsonl", ".ndjson"}


def read_gold(path: str | Path) -> dict[str, GoldPage]:
    """Gold main text (and snippets where the format has them) keyed by page id.

    Cached by (path, size, mtime): scoring many outputs against one gold reads it once.
    """
    path = Path(path)
    _check_exists(path, "gold")
    st = path.stat()
    return dict(_read_gold_cached(str(path.resolve()), st.st_size, st.st_mtime_ns))


@functools.lru_cache(maxsize=8)
def _read_gold_cached(path_str: str, size: int, mtime_ns: int) -> dict[str, GoldPage]:
    path = Path(path_str)
    if path.is_dir():
        if (path / "ground-truth").is_dir():
            return _read_wcxb_gold(path)
        from curation.sources import formats

        fmt = formats.detect(path)
        return _read_wcxb_gold(path) if fmt is None else _read_corpus_gold(path, fmt)
    if _is_jsonl(path):
        gold: dict[str, GoldPage] = {}
        for lineno, row in iter_jsonl(path, required=("page_id",)):
            if "text" not in row and not (row.get("with_snippets") or row.get("without_snippets")):
                raise InputError(f"{path}:{lineno}: missing key 'text' (each gold line needs text, or with_snippets/without_snippets)")
            if row.get("text") is not None and not isinstance(row["text"], str):
                raise InputError(f"{path}:{lineno}: 'text' must be a string or null, got {type(row['text']).__name__}")
            pid = str(row["page_id"])
            if pid in gold:
                raise InputError(f"{path}:{lineno}: page_id {pid!r} appears twice")
            gold[pid] = GoldPage(
                text=(row["text"] or "") if "text" in row else None,  # no text key: snippets-only gold
                with_snippets=row.get("with_snippets"),
                without_snippets=row.get("without_snippets"),
                page_type=row.get("page_type"),
            )
        if not gold:
            raise InputError(f"{path}: no gold pages")
        return gold
    data = _load_json(path)
    if not isinstance(data, dict) or not data:
        raise InputError(f"{path}: expected AEB ground truth, a non-empty JSON object {{id: {{articleBody, url}}}}")
    gold = {}
    for pid, item in data.items():
        if not isinstance(item, dict) or "articleBody" not in item:
            raise InputError(f"{path}: entry {pid!r} has no 'articleBody' (expected AEB ground truth {{id: {{articleBody, url}}}})")
        body = item["articleBody"]
        if body is not None and not isinstance(body, str):
            raise InputError(f"{path}: entry {pid!r}: 'articleBody' must be a string")
        gold[str(pid)] = GoldPage(text=body or "", url=item.get("url"))
    return gold


def _read_corpus_gold(path: Path, fmt: Any) -> dict[str, GoldPage]:
    """Gold of a corpus folder in any recognised layout (docs/corpora.md), keyed by its own ids."""
    gold: dict[str, GoldPage] = {}
    for record in fmt.read(path, "gold", "unknown"):
        if not isinstance(record, dict) or record.get("gold") is None:
            continue
        own, g = str(record["source_id"]), record["gold"]
        if own in gold:
            raise InputError(f"{path}: id {own!r} appears twice")
        text = None if g.get("has_main_text") is False else (g.get("main_text") or "")  # None: snippets only
        gold[own] = GoldPage(text=text, with_snippets=g.get("with_snippets"),
                             without_snippets=g.get("without_snippets"), page_type=record.get("page_type"),
                             url=record.get("url"))
    if not gold:
        raise InputError(f"{path}: read as a {fmt.name} corpus, but no page has gold")
    return gold


def _read_wcxb_gold(path: Path) -> dict[str, GoldPage]:
    folder = path / "ground-truth" if (path / "ground-truth").is_dir() else path
    files = sorted(folder.glob("*.json"))
    if not files:
        raise InputError(f"{path}: a gold folder must hold WCXB ground-truth/*.json files; found none")
    gold = {}
    for f in files:
        data = _load_json(f)
        gt = data.get("ground_truth") if isinstance(data, dict) else None
        if not isinstance(gt, dict):
            raise InputError(f"{f}: not a WCXB ground-truth file (no ground_truth object)")
        # a missing main_content is an empty gold, as in WCXB's evaluate.py (two dev files have none)
        internal = data.get("_internal") or {}
        page_type = internal.get("page_type")
        if isinstance(page_type, dict):
            page_type = page_type.get("primary")
        gold[f.stem] = GoldPage(
            text=gt.get("main_content") or "",
            with_snippets=list(gt.get("with") or []),
            without_snippets=list(gt.get("without") or []),
            page_type=page_type or "article",
            url=data.get("url"),
            extra={"file_id": data.get("file_id")},
        )
    return gold


class Predictions(dict):
    """Predicted texts keyed by one id kind, with ``alias`` mapping the other kind (source_id ↔
    page_id, where the file has both) onto those keys, and ``notes`` about entries left out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.alias: dict[str, str] = {}
        self.notes: list[str] = []


ID_KEYS = ("page_id", "id", "source_id")


def _split_system(path: Path) -> tuple[Path, str | None]:
    """``RUN#system`` or ``predictions.parquet#system`` → (path, system)."""
    text = str(path)
    if "#" in text and not path.exists():
        base, system = text.rsplit("#", 1)
        return Path(base), system
    return path, None


def read_run_predictions(path: Path, system: str | None = None) -> tuple[Predictions, str | None]:
    """One system's texts from a run folder or its predictions.parquet, keyed by page_id with
    source_id as alias; ``system`` may be omitted when the run has only one."""
    import pyarrow.parquet as pq

    file = path / "predictions.parquet" if path.is_dir() else path
    if not file.is_file():
        raise InputError(f"{path}: a run folder must hold predictions.parquet (a `bench run` output); found none")
    try:
        table = pq.read_table(file)
    except Exception as exc:
        raise InputError(f"{file}: not a readable Parquet file ({exc})") from None
    if "system" not in table.column_names or "page_id" not in table.column_names:
        raise InputError(f"{file}: not a predictions table (needs system, page_id and text columns)")
    rows = table.to_pylist()
    systems = sorted({r["system"] for r in rows})
    if system is None:
        if len(systems) != 1:
            raise InputError(f"{file}: holds {len(systems)} systems ({', '.join(systems)}): name one as {path}#SYSTEM")
        system = systems[0]
    elif system not in systems:
        raise InputError(f"{file}: no system {system!r} (has: {', '.join(systems)})")
    preds, version = Predictions(), None
    for r in rows:
        if r["system"] != system:
            continue
        preds[str(r["page_id"])] = r.get("text") if r.get("status", "ok") == "ok" else None
        version = r.get("system_version")
        if r.get("source_id") is not None:
            preds.alias[str(r["source_id"])] = str(r["page_id"])
    return preds, version


def run_systems(path: Path) -> list[str]:
    """Systems of a run folder / predictions.parquet (for expanding one path into one per system)."""
    import pyarrow.parquet as pq

    file = path / "predictions.parquet" if path.is_dir() else path
    try:
        return sorted(set(pq.read_table(file, columns=["system"]).column("system").to_pylist()))
    except Exception:
        return []


def is_run(path: Path) -> bool:
    """A `bench run` folder or a predictions.parquet file."""
    return (path.is_dir() and (path / "predictions.parquet").is_file()) or path.suffix == ".parquet"


def read_predictions(path: str | Path) -> tuple[Predictions, str | None]:
    """Predicted main text keyed by page id, and the system version where the file states one.

    Reads a run folder or predictions.parquet (``PATH#SYSTEM`` picks one system), JSONL with an
    id key (page_id, id or source_id) and ``text``, AEB output JSON in both shapes, and WCXB
    results ``{id: "text"}`` (entries that are not texts, e.g. counters, are left out with a note).
    """
    path, system = _split_system(Path(path))
    _check_exists(path, "predictions")
    if is_run(path):
        return read_run_predictions(path, system)
    if path.is_dir():
        raise InputError(f"{path}: predictions must be a file (AEB output JSON, JSONL, predictions.parquet) "
                         "or a run folder")
    if _is_jsonl(path):
        preds = Predictions()
        for lineno, row in iter_jsonl(path, required=("text",)):
            key = next((k for k in ID_KEYS if row.get(k) is not None), None)
            if key is None:
                raise InputError(f"{path}:{lineno}: no id (each line needs one of {', '.join(ID_KEYS)} and text)")
            if row["text"] is not None and not isinstance(row["text"], str):
                raise InputError(f"{path}:{lineno}: 'text' must be a string or null, got {type(row['text']).__name__}")
            pid = str(row[key])
            if pid in preds:
                raise InputError(f"{path}:{lineno}: id {pid!r} appears twice")
            preds[pid] = row["text"]
            other = row.get("source_id") if key != "source_id" else None
            if other is not None:
                preds.alias[str(other)] = pid
        return preds, None
    data = _load_json(path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object (AEB output), got {type(data).__name__}")
    version = None
    if "output" in data and isinstance(data["output"], dict) and set(data) <= {"output", "version"}:
        version = None if data.get("version") is None else str(data["version"])
        data = data["output"]
    preds = Predictions()
    skipped = []
    for pid, item in data.items():
        if isinstance(item, dict):
            if "articleBody" not in item:
                raise InputError(f"{path}: entry {pid!r} has no 'articleBody' (expected {{id: {{articleBody}}}})")
            text = item["articleBody"]
            if text is not None and not isinstance(text, str):
                raise InputError(f"{path}: entry {pid!r}: the text must be a string or null, got {type(text).__name__}")
        elif item is None or isinstance(item, str):
            text = item  # WCXB results shape: {id: "text"}
        else:  # WCXB results files also carry counters (numbers, lists): not a page
            skipped.append(pid)
            continue
        preds[str(pid)] = text
    if skipped:
        shown = ", ".join(map(repr, skipped[:5]))
        preds.notes.append(f"{path}: {len(skipped)} entries that are not texts ignored ({shown})")
    return preds, version


def align(
    gold: dict[str, GoldPage], preds: dict[str, str | None], gold_path: Any = "", pred_path: Any = ""
) -> tuple[list[str], list[str | None], dict[str, int]]:
    """Gold ids in order with their prediction (missing → None) and coverage counts.

    WCXB predictions may be keyed by the ``file_id`` inside each ground-truth file instead of the
    file stem; both are accepted.
    """
    alias = {str(g.extra["file_id"]): pid for pid, g in gold.items() if g.extra.get("file_id") is not None}
    if not set(preds) & set(gold) and alias and set(preds) & set(alias):
        preds = {alias.get(k, k): v for k, v in preds.items()}
    other = getattr(preds, "alias", {})  # a run's predictions: keyed by page_id, gold by the corpus's ids
    if other and len(set(other) & set(gold)) > len(set(preds) & set(gold)):
        preds = {k: preds[pid] for k, pid in other.items()}
    matched = set(preds) & set(gold)
    if not matched:
        example_g, example_p = next(iter(gold), "?"), next(iter(preds), "?")
        raise InputError(
            f"no page id of predictions {pred_path} is in gold {gold_path} "
            f"(e.g. gold {example_g!r}, prediction {example_p!r}): wrong pair of files?"
        )
    ids = list(gold)
    counts = {"n_pages": len(ids), "n_missing_predictions": len(ids) - len(matched), "n_unknown_predictions": len(set(preds) - set(gold))}
    return ids, [preds.get(i) for i in ids], counts
