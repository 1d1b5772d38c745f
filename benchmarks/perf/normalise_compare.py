"""Does a change keep the normaliser's output (and htmldate's date) the same? One digest per page, compared.

    PYTHONPATH=/path/to/main python -m benchmarks.perf.normalise_compare --out /tmp/normalised-main.jsonl
    python -m benchmarks.perf.normalise_compare --check /tmp/normalised-main.jsonl

The pages: the AEB, WCXB dev and Mozilla corpora under ``../shared/corpora`` (each folder that is
there) and the raw pages of every release under ``data/`` (``raw_pages``, or ``pages.raw`` in the
schema-1.0 releases): 8,500 pages of many languages, codecs and layouts. For each, in a fixed order,
one line ``{"page": ..., "digest": ...}``: the sha256 of everything ``curation.normalise.normalise``
returns (text, blocks, hashes, encoding and its source, title, date and section of text dumps,
notes) or of its refusal, and of the date ``curation.steps.metadata.published_of`` finds in the
HTML. ``--check REF`` recomputes the digests with this checkout's code and exits 1 naming every page
whose digest differs. (htmldate takes no date after today: compare runs of the same day.) The script only uses public entry points, so it also runs on an older
checkout (through ``PYTHONPATH``), which is how a reference is made.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"
#: (folder under CORPORA, its ingest format)
CORPUS_FORMATS = (("aeb", "aeb"), ("wcxb-dev", "wcxb"), ("mozilla-readability/test/test-pages", "mozilla"))


def pages(corpora: Path, releases: bool = True) -> Iterator[tuple[str, bytes, str, str | None]]:
    """(name, raw bytes, raw format, HTTP charset) of every page, in a fixed order (the releases'
    pages only with ``releases``)."""
    from curation import dataset, shards

    for folder, fmt in CORPUS_FORMATS:
        root = corpora / folder
        if not root.is_dir():
            print(f"(no {root}: skipped)", file=sys.stderr)
            continue
        plan, _ = shards.plan([str(root)], "compare", fmt, None, None, Path(tempfile.gettempdir()) / "unused", 10**9)
        for shard in plan:
            for record in shards.read_shard(shard):
                if isinstance(record, dict):
                    yield f"{folder}:{record['source_id']}", record["raw"], record["raw_format"], record.get("http_charset")
    for version in dataset.list_versions() if releases else []:
        table = dataset.read_table("raw_pages", version)
        if not table.num_rows:  # schema 1.0: the raw bytes are a column of pages
            table = dataset.read_table("pages", version, columns=["page_id", "raw_format", "raw"])
        for page_id, raw_format, raw in zip(*(table.column(c).to_pylist() for c in ("page_id", "raw_format", "raw"))):
            yield f"{version}:{page_id}", raw, raw_format, None


def digest(raw: bytes, raw_format: str, http_charset: str | None) -> str:
    """sha256 of the normaliser's whole output for the page (or its refusal) and of its date."""
    from curation.normalise import PageError, normalise
    from curation.steps.metadata import published_of

    try:
        page = normalise(raw, raw_format, http_charset)
    except PageError as exc:
        out: dict = {"refused": str(exc)}
    else:
        out = {field: getattr(page, field) for field in ("text", "blocks", "text_sha256", "encoding", "encoding_source",
                                                          "title", "published", "section", "notes")}  # fmt: skip
        out["date"] = published_of(page.html) if page.html is not None else None
    return hashlib.sha256(json.dumps(out, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="folder of the shared corpora (default: ../shared/corpora)")
    parser.add_argument("--no-releases", action="store_true", help="only the corpora, not the releases' pages")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--out", type=Path, help="write the digests here (a reference)")
    action.add_argument("--check", type=Path, help="a reference written with --out: exit 1 unless every digest is the same")
    args = parser.parse_args()
    if args.check is not None and not args.check.is_file():
        sys.exit(f"{args.check}: no such reference file (write one with --out)")
    lines = [{"page": name, "digest": digest(raw, fmt, charset)} for name, raw, fmt, charset in pages(args.corpora, not args.no_releases)]
    if args.out is not None:
        args.out.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        print(f"{len(lines)} page digests written to {args.out}")
        return
    reference = {r["page"]: r["digest"] for r in map(json.loads, args.check.read_text(encoding="utf-8").splitlines())}
    ours = {line["page"]: line["digest"] for line in lines}
    problems = [f"{page}: only in {args.check}" for page in sorted(reference.keys() - ours.keys())]
    problems += [f"{page}: only in this run" for page in sorted(ours.keys() - reference.keys())]
    problems += [f"{page}: differs" for page in sorted(ours.keys() & reference.keys()) if ours[page] != reference[page]]
    for problem in problems:
        print(f"  DIFFERS {problem}")
    print(f"{len(ours)} pages vs {args.check}: " + ("identical" if not problems else f"{len(problems)} difference(s)"))
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
