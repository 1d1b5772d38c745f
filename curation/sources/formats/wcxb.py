"""WCXB — Web Content Extraction Benchmark (CC-BY-4.0).

Accepted as the dataset root (``dev/`` and/or ``test/``, each with ``html/NNNN.html.gz`` and
``ground-truth/NNNN.json``, and ``metadata.json`` at the root) or as one split folder (``html/``,
``ground-truth/``, optionally its own ``metadata.json``). Gold: ``ground_truth.main_content`` and
the ``with``/``without`` snippets; page type from ``_internal.page_type.primary`` (else
metadata.json); WCXB's split from metadata.json's ``files[id].split``, else the split folder's
(``folder_split``: a WCXB checkout's dev split copied alone keeps ``dev``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from curation.sources import Rejected
from curation.sources.formats import Format, describe, load_json, read_page, record, register

SPLITS = ("dev", "test", "train")


def _is_split(folder: Path) -> bool:
    return (folder / "ground-truth").is_dir() and (folder / "html").is_dir()


def _split_folders(root: Path) -> list[Path]:
    """The split folders of a root, or [root] when it is one split folder itself."""
    if _is_split(root):
        return [root]
    return [root / s for s in SPLITS if _is_split(root / s)]


def _metadata(root: Path, folder: Path) -> dict:
    for candidate in (folder / "metadata.json", root / "metadata.json", folder.parent / "metadata.json"):
        if candidate.is_file():
            meta = load_json(candidate)
            return meta if isinstance(meta, dict) else {}
    return {}


def folder_split(folder: Path, meta: dict) -> str | None:
    """The split of a file that metadata.json does not list: the split folder's name (``dev``), the
    one split metadata.json declares (``splits: {"dev": …}``), or a ``-dev`` suffix of the folder."""
    if folder.name in SPLITS:
        return folder.name
    declared = meta.get("splits")
    if isinstance(declared, dict) and len(declared) == 1:
        return str(next(iter(declared)))
    suffix = folder.name.rsplit("-", 1)[-1]
    return suffix if suffix in SPLITS else None


@register
class WCXB(Format):
    name = "wcxb"
    description = "Web Content Extraction Benchmark: root with dev/ test/ (+ metadata.json), or one split folder"
    license = "CC-BY-4.0"
    suffixes = (".html.gz", ".json")
    expected = (
        "WCXB's dataset root (dev/ or test/ holding html/ and ground-truth/, metadata.json) "
        "or one split folder (html/NNNN.html.gz and ground-truth/NNNN.json)"
    )
    auto_rank = 20

    def problem(self, root: Path) -> str | None:
        if _split_folders(root):
            return None
        if root.name in ("html", "ground-truth") and _is_split(root.parent):
            return f"the {root.name}/ folder of a split; give its parent {root.parent}"
        return describe(root)

    def count(self, root: Path) -> int:
        return max(sum(len(list((f / "ground-truth").glob("*.json"))) for f in _split_folders(root)), 1)

    def read(self, root: Path, source: str = "wcxb-dev", license: str = "CC-BY-4.0") -> Iterator[dict | Rejected]:
        root = Path(root)
        folders = _split_folders(root)
        if not folders:
            yield Rejected(str(root), f"not a wcxb corpus: expected {self.expected}; found {self.problem(root)}")
            return
        seen: dict[str, Path] = {}
        for folder in folders:
            meta_all = _metadata(root, folder)
            files_meta = meta_all.get("files", {}) if isinstance(meta_all.get("files"), dict) else {}
            default_split = folder_split(folder, meta_all)
            for gt_path in sorted((folder / "ground-truth").glob("*.json")):
                file_id = gt_path.stem
                if file_id in seen:
                    yield Rejected(str(gt_path), f"file id {file_id} also in {seen[file_id]}: ids must be unique")
                    continue
                seen[file_id] = gt_path
                data = load_json(gt_path)
                if isinstance(data, Rejected):
                    yield data
                    continue
                path = folder / "html" / f"{file_id}.html.gz"
                raw = read_page(path, root)
                if isinstance(raw, Rejected):
                    yield raw
                    continue
                gold = data.get("ground_truth", {}) or {}
                meta = files_meta.get(file_id, {})
                page_type = (data.get("_internal", {}).get("page_type", {}) or {}).get("primary") or meta.get(
                    "page_type"
                )
                yield record(
                    path,
                    source,
                    file_id,
                    raw,
                    license,
                    url=data.get("url"),
                    page_type=page_type,
                    domain_hint=meta.get("domain"),
                    gold={
                        # no main_content at all (snippets only): no main-text gold, scored by the snippet metric alone
                        "main_text": (gold.get("main_content") or "") if "main_content" in gold else None,
                        "with_snippets": list(gold.get("with") or []),
                        "without_snippets": list(gold.get("without") or []),
                        "origin": "wcxb:main_content",
                    },
                    split_hint=meta.get("split") or default_split,
                    title_hint=gold.get("title") or data.get("title"),
                )
