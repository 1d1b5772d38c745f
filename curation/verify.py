"""``pagegold verify``: recheck a release — checksums, row counts, schemas and invariants.

The manifest is checked against the files on disk in both directions, for every table it lists
(nothing here names a table, so tables added later are covered): every listed file exists, once,
with its sha256, row count and split (the rows' ``split`` column must be the split the manifest
files it under: a relabelled file would leak test rows into train); no file under the version's
folder is unlisted; each table's total and per-split counts are recomputed; every table named in
``schema_versions`` is present; every licence file is present.

Then the content: every file's schema equals the table's schema in ``schemas/``; page_ids are
unique; blocks tile the text (offsets inside the text, in order, no block crossing a newline);
text_sha256 matches text; every gold row's text_sha256 matches its page; no domain and no
duplicate cluster spans two splits; entity spans lie inside the text, their ``text`` equals
``text[start:end]``, none crosses a block boundary (a newline), none overlaps or repeats another.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq

from curation import dataset, schema
from curation.parquet_io import sha256_file


def verify_release(version: str, root: Path | None = None) -> list[str]:
    """Return a list of problems (empty when the release checks out)."""
    root = root or dataset.data_dir()
    problems: list[str] = []
    try:
        manifest = dataset.read_manifest(version, root)
    except (dataset.ReleaseError, ValueError) as exc:
        return [str(exc)]
    name = dataset.version_name(version)
    if not isinstance(manifest.get("tables"), dict):
        return [f"manifest.json of {name} has no 'tables' mapping"]
    try:
        problems += _check_listing(name, root, manifest)
        for table, entry in manifest["tables"].items():
            problems += _check_table(table, entry, root, manifest.get("schema_versions") or {})
    except (KeyError, TypeError, AttributeError) as exc:  # a hand-edited manifest of the wrong shape
        return problems + [f"manifest.json of {name} is malformed: {type(exc).__name__} {exc}"]
    for doc in manifest.get("documents", []):
        path = root / doc["path"]
        if not path.is_file() or sha256_file(path) != doc["sha256"]:
            problems.append(f"document {doc['path']} is missing or its checksum differs")
    if problems:
        return problems
    problems += _check_pages(version, root)
    return problems


def _check_table(table: str, entry: dict, root: Path, schema_versions: dict) -> list[str]:
    """One table's files against the disk: sha256, rows, schema, split column; then its totals."""
    problems: list[str] = []
    try:
        spec = schema.load(table, schema_versions.get(table))
    except (schema.SchemaError, OSError, ValueError, KeyError) as exc:
        return [f"{table}: {exc}"]
    rows_by_split: Counter = Counter()
    for f in entry["files"]:
        path = root / f["path"]
        if not path.is_file():
            problems.append(f"{table}: missing file {f['path']}")
            continue
        if sha256_file(path) != f["sha256"]:
            problems.append(f"{table}: checksum mismatch for {f['path']}")
            continue  # its content is not what was released: nothing more to learn from it
        try:
            data = pq.read_table(path, columns=dataset.file_columns(f, None))  # a shared file: its projection
            if data.num_rows != f["rows"]:
                problems.append(f"{table}: {f['path']} has {data.num_rows} rows, manifest says {f['rows']}")
            spec.validate(data)
            rows_by_split[f["split"]] += data.num_rows
            if "split" in data.column_names:
                found = sorted(set(data.column("split").to_pylist()))
                if found != [f["split"]] and data.num_rows:
                    problems.append(f"{table}: {f['path']} holds rows of split {', '.join(map(str, found))} "
                                    f"but the manifest lists it as {f['split']}")
        except schema.SchemaError as exc:
            problems.append(f"{table}: {f['path']}: {exc}")
        except (OSError, ValueError) as exc:  # pyarrow: unreadable Parquet
            problems.append(f"{table}: {f['path']} cannot be read: {exc}")
    if problems:
        return problems
    total = sum(rows_by_split.values())
    if entry.get("rows") != total:
        problems.append(f"{table}: manifest says {entry.get('rows')} rows in all, its files hold {total}")
    for split, said in (entry.get("splits") or {}).items():
        if said != rows_by_split.get(split, 0):
            held = rows_by_split.get(split, 0)
            problems.append(f"{table}: manifest says split {split} has {said} rows, its files hold {held}")
    return problems


def _check_listing(name: str, root: Path, manifest: dict) -> list[str]:
    """Manifest ↔ folder: each file listed once, no file unlisted, named tables and licences present."""
    problems: list[str] = []
    listed: set[str] = {d["path"] for d in manifest.get("documents", [])}
    for table, entry in manifest["tables"].items():  # a file may serve two tables (a projection), not one twice
        paths = Counter(f["path"] for f in entry["files"])
        problems += [f"{path}: listed twice in the manifest's {table}" for path, n in sorted(paths.items()) if n > 1]
        listed.update(paths)
    for table in sorted(set(manifest.get("schema_versions") or {}) - set(manifest["tables"])):
        problems.append(f"table {table} is in the manifest's schema_versions but not in its tables")
    licences = {f"{name}/LICENSES/{lic}" for lic in manifest.get("licenses", [])}
    for lic in sorted(licences):
        if not (root / lic).is_file():
            problems.append(f"licence file {lic.split('/', 1)[1]} is missing")
    folder = root / name
    for path in sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(root).as_posix()
        if rel != f"{name}/manifest.json" and rel not in listed and rel not in licences:
            problems.append(f"{rel}: not listed in the manifest")
    return problems


def _check_pages(version: str, root: Path) -> list[str]:
    problems: list[str] = []
    cols = ["page_id", "text", "text_sha256", "blocks", "domain", "duplicate_of", "split"]
    pages = dataset.read_table("pages", version, columns=cols, root=root).to_pylist()
    by_id = {}
    domain_splits: dict[str, set] = defaultdict(set)
    for p in pages:
        if p["page_id"] in by_id:
            problems.append(f"pages: page_id {p['page_id']} appears twice")
        by_id[p["page_id"]] = p
        if hashlib.sha256(p["text"].encode()).hexdigest() != p["text_sha256"]:
            problems.append(f"pages: {p['page_id']}: text_sha256 does not match text")
        if (issue := blocks_problem(p["text"], p["blocks"])) is not None:
            problems.append(f"pages: {p['page_id']}: {issue}")
        if p["domain"]:
            domain_splits[p["domain"]].add(p["split"])
    for domain, found in domain_splits.items():
        if len(found) > 1:
            problems.append(f"splits: domain {domain} is in {sorted(found)}")
    for p in pages:
        rep = p["duplicate_of"]
        if rep and rep in by_id and by_id[rep]["split"] != p["split"]:
            problems.append(f"splits: {p['page_id']} is a duplicate of {rep} but in another split")
    if "raw_pages" in dataset.read_manifest(version, root)["tables"]:
        raw_ids = dataset.read_table("raw_pages", version, columns=["page_id"], root=root).column("page_id").to_pylist()
        if len(raw_ids) != len(set(raw_ids)):
            problems.append("raw_pages: a page_id appears twice")
        if missing := set(by_id) - set(raw_ids):  # raw bytes of a page a later normaliser rejects may stay
            problems.append(f"raw_pages: {len(missing)} pages without raw bytes, e.g. {sorted(missing)[0]}")
    for table in ("boilerplate_gold", "zone_gold", "entity_gold"):
        rows = dataset.read_table(table, version, root=root).to_pylist()
        keys = Counter((r["page_id"], r.get("origin")) for r in rows)
        problems += [f"{table}: {n} rows for page {pid} (origin {origin})" for (pid, origin), n in sorted(keys.items()) if n > 1]
        for row in rows:
            page = by_id.get(row["page_id"])
            if page is None:
                problems.append(f"{table}: gold for unknown page {row['page_id']}")
            elif row["text_sha256"] != page["text_sha256"]:
                problems.append(f"{table}: {row['page_id']}: text_sha256 differs from the page's")
            elif table == "entity_gold":
                found = spans_problems(page["text"], row["entities"])
                problems += [f"entity_gold: {row['page_id']}: {p}" for p in found]
    return problems


#: Tables whose spans may overlap (none yet: a nested-entity schema would say so here).
OVERLAP_ALLOWED: frozenset[str] = frozenset()


def spans_problems(text: str, spans: list[dict], overlap_allowed: bool = False) -> list[str]:
    """What is wrong with a page's gold spans: outside or not matching the text, across a block
    boundary (a newline), repeated, or overlapping another span."""
    problems: list[str] = []
    previous = None
    for e in sorted(spans, key=lambda e: (e["start"], e["end"], e["label"])):
        if not (0 <= e["start"] < e["end"] <= len(text)) or text[e["start"] : e["end"]] != e["text"]:
            problems.append(f"span {e} does not match the text")
            continue
        if "\n" in e["text"]:
            problems.append(f"span {e['start']}..{e['end']} {e['label']} {e['text']!r} crosses a block boundary")
        if previous is not None:
            if (previous["start"], previous["end"], previous["label"]) == (e["start"], e["end"], e["label"]):
                problems.append(f"span {e['start']}..{e['end']} {e['label']} is listed twice")
            elif e["start"] < previous["end"] and not overlap_allowed:
                other = f"{previous['start']}..{previous['end']} {previous['label']}"
                problems.append(f"span {e['start']}..{e['end']} {e['label']} overlaps {other}")
        if previous is None or e["end"] > previous["end"]:
            previous = e
    return problems


def blocks_problem(text: str, blocks: list[dict]) -> str | None:
    """Why ``blocks`` do not tile ``text`` (joined by single newlines), or None."""
    expected = 0
    for i, b in enumerate(blocks):
        if b["start"] != expected or b["end"] <= b["start"] or b["end"] > len(text):
            return f"block {i} has offsets {b['start']}..{b['end']}, expected to start at {expected}"
        if "\n" in text[b["start"] : b["end"]]:
            return f"block {i} contains a newline"
        expected = b["end"] + 1
    if blocks and blocks[-1]["end"] != len(text):
        return "blocks do not reach the end of the text"
    return None
