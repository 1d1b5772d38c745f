"""Tiny synthetic corpora, one per layout of docs/corpora.md, written by the tests themselves."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

BODY = [
    "The council approved the new river bridge after a long debate on Tuesday evening.",
    "Engineers said construction would start in spring and last about two years in total.",
    "Residents welcomed the decision but asked for a safer crossing for cyclists and children.",
]
NAV = "Home News Sport Weather Contact Subscribe Login"


def article(title: str, paragraphs: list[str] = BODY) -> str:
    ps = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title></head><body><nav>{NAV}</nav><article><h1>{title}</h1>{ps}</article>"
        f"<footer>Copyright Example News 2024</footer></body></html>"
    )


def main_text(title: str, paragraphs: list[str] = BODY) -> str:
    return "\n\n".join([title, *paragraphs])


def _gz(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))


def write_aeb(root: Path, n: int = 3) -> Path:
    truth = {}
    for i in range(n):
        key = f"{i:02d}aa{i}"
        _gz(root / "html" / f"{key}.html.gz", article(f"Story {i}"))
        truth[key] = {"articleBody": main_text(f"Story {i}"), "url": f"https://news{i}.example.com/a/{i}"}
    root.mkdir(parents=True, exist_ok=True)
    (root / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return root


def _wcxb_split(folder: Path, ids: list[str], split: str) -> dict:
    meta = {}
    for fid in ids:
        _gz(folder / "html" / f"{fid}.html.gz", article(f"Page {fid}"))
        gt = {
            "file_id": fid,
            "url": f"https://site{fid}.example.org/p",
            "ground_truth": {
                "title": f"Page {fid}",
                "main_content": main_text(f"Page {fid}"),
                "with": [BODY[0]],
                "without": ["Copyright Example News 2024"],
            },
            "_internal": {"page_type": {"primary": "article"}},
        }
        (folder / "ground-truth").mkdir(parents=True, exist_ok=True)
        (folder / "ground-truth" / f"{fid}.json").write_text(json.dumps(gt), encoding="utf-8")
        meta[fid] = {"split": split, "page_type": "article", "domain": f"site{fid}.example.org"}
    return meta


def write_wcxb_root(root: Path) -> Path:
    meta = _wcxb_split(root / "dev", ["0001", "0002"], "dev") | _wcxb_split(
        root / "test", ["0003", "0004", "0005"], "test"
    )
    (root / "metadata.json").write_text(json.dumps({"name": "WCXB", "files": meta}), encoding="utf-8")
    return root


def write_wcxb_split(folder: Path) -> Path:
    meta = _wcxb_split(folder, ["0001", "0002"], "dev")
    (folder / "metadata.json").write_text(json.dumps({"files": meta}), encoding="utf-8")
    return folder


def write_trafilatura_eval(root: Path) -> Path:
    (root / "eval").mkdir(parents=True)
    data = {}
    for i in range(3):
        (root / "eval" / f"page{i}.html").write_text(article(f"Eval {i}"), encoding="utf-8")
        data[f"https://eval{i}.example.net/story"] = {
            "file": f"page{i}.html",
            "author": "A. Writer",
            "with": [BODY[0], BODY[2]],
            "without": [NAV, "Copyright Example News 2024"],
        }
    (root / "evaldata.json").write_text(json.dumps(data), encoding="utf-8")
    return root


def write_l3s(root: Path) -> Path:
    for i in range(2):
        title = f"Headline {i}"
        (root / "original").mkdir(parents=True, exist_ok=True)
        (root / "annotated").mkdir(parents=True, exist_ok=True)
        (root / "original" / f"{i}.html").write_text(article(title), encoding="utf-8")
        annotated = (
            f'<html><body><span class="x-nc-sel0">{NAV}</span><h1><span class="x-nc-sel1">{title}</span></h1>'
            + "".join(f'<p><span class="x-nc-sel2">{p}</span></p>' for p in BODY)
            + '<div><span class="x-nc-sel5">Great article, thanks!</span></div></body></html>'
        )
        (root / "annotated" / f"{i}.html").write_text(annotated, encoding="utf-8")
    return root


def write_cleaneval(root: Path) -> Path:
    for i in range(2):
        (root / "input").mkdir(parents=True, exist_ok=True)
        (root / "gold").mkdir(parents=True, exist_ok=True)
        (root / "input" / f"{i}.html").write_text(article(f"Clean {i}"), encoding="utf-8")
        gold = f"URL: http://clean{i}.example.com/x\n<h>Clean {i}\n" + "".join(f"<p>{p}\n" for p in BODY)
        (root / "gold" / f"{i}.txt").write_text(gold, encoding="utf-8")
    return root


def write_webmainbench(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(3):
        html = article(f"Bench {i}").replace("<article>", '<article cc-select="true">')
        lines.append(
            {
                "track_id": f"t-{i}",
                "url": f"https://wmb{i}.example.com/",
                "html": html,
                "main_html": "<article>…</article>",
                "convert_main_content": main_text(f"Bench {i}"),
                "meta": {"language": "en", "style": "Article", "level": "simple"},
            }
        )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def write_jsonl(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.parent / "pages").mkdir(exist_ok=True)
    (path.parent / "pages" / "p2.html").write_text(article("Generic 2"), encoding="utf-8")
    lines = [
        {
            "id": "g-0",
            "html": article("Generic 0"),
            "main_text": main_text("Generic 0"),
            "split": "test",
            "language": "en",
        },
        {
            "id": "g-1",
            "html": article("Generic 1"),
            "main_text": main_text("Generic 1"),
            "split": "dev",
            "page_type": "article",
        },
        {"id": "g-2", "path": "pages/p2.html", "with": [BODY[1]], "without": [NAV], "split": "test"},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def write_html_sidecars(root: Path) -> Path:
    (root / "sub").mkdir(parents=True)
    (root / "a.html").write_text(article("Sidecar A"), encoding="utf-8")
    (root / "a.txt").write_text(main_text("Sidecar A"), encoding="utf-8")
    (root / "sub" / "a.html").write_text(
        article("Sidecar Sub A"), encoding="utf-8"
    )  # same name, other folder: id sub/a
    (root / "sub" / "a.json").write_text(
        json.dumps({"main_text": main_text("Sidecar Sub A"), "url": "https://side.example.com/x", "split": "test"}),
        encoding="utf-8",
    )
    (root / "b.v2.html").write_text(article("Sidecar B"), encoding="utf-8")
    (root / "b.v2.txt").write_text(main_text("Sidecar B"), encoding="utf-8")
    (root / "README").write_text("no suffix: noted, not read", encoding="utf-8")
    return root


def write_text_dumps(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "one.txt").write_text("date 2024-06-19 World\nA headline\n" + "\n".join(BODY) + "\n", encoding="utf-8")
    return root


def write_warc(path: Path) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        body = io.BytesIO(article("From WARC").encode())
        writer.write_record(
            writer.create_warc_record("https://warc.example.com/", "response", payload=body, http_headers=headers)
        )
    return path


def write_mozilla(root: Path) -> Path:
    (root / "case-1").mkdir(parents=True)
    (root / "case-1" / "source.html").write_text(article("Mozilla case"), encoding="utf-8")
    return root
