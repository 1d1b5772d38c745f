"""JavaScript extractors run through Node: Readability.js, defuddle, Postlight Parser, article-extractor.

The npm packages are pinned in ``benchmarks/systems/js/package-lock.json`` (``make setup`` runs
``npm ci`` there when ``node`` is on the PATH); a system's version is its locked npm version plus
the DOM (and turndown) it runs with, so a changed lock file never serves stale cached outputs.

Each pool worker keeps **one long-lived Node process** (``js/worker.mjs``), started on the first
JS page and shared by every JS system the worker runs; requests and replies are JSON lines. Per-page
isolation stays the runner's: a page that hangs Node blocks the worker until the pool's per-page
timeout kills it, and Node dies with it (``PR_SET_PDEATHSIG``); a Node process that dies or breaks
the protocol raises ``ExternalCrash`` (status ``crash``), and the pool replaces the worker and, with
it, the Node process. Node's CPU time per page is reported by the worker and counted as the
system's CPU (``benchmarks.pool.add_external_cpu``).

Text output: Readability.js gives ``textContent`` (AEB's call); the libraries that return only HTML
(defuddle, Postlight, article-extractor) are turned into text with ``html_text.extract_text`` (as
the readability-lxml system does). Markdown output (``<name>:markdown``): defuddle's and Postlight's
own Markdown modes, turndown on Readability.js's and article-extractor's HTML.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import resource
import selectors
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from benchmarks.pool import ExternalCrash, add_external_cpu, register_helper
from benchmarks.systems.base import MissingDependency, register
from benchmarks.systems.boilerplate import Extractor

JS_DIR = Path(__file__).parent / "js"
INSTALL_HINT = f"install Node.js ≥ 20.19 (https://nodejs.org), then run `npm ci` in {JS_DIR} (or `make setup`)"
# a reply slower than this means Node is stuck even outside the pool (the pool's timeout is shorter)
REPLY_TIMEOUT = float(os.environ.get("PAGEGOLD_JS_TIMEOUT", "600"))


def node_binary() -> str | None:
    """The ``node`` to run: ``$PAGEGOLD_NODE`` or the first on the PATH."""
    return os.environ.get("PAGEGOLD_NODE") or shutil.which("node")


@functools.lru_cache(maxsize=1)
def locked_versions() -> dict[str, str]:
    """npm package → version, from the committed package-lock.json."""
    lock = json.loads((JS_DIR / "package-lock.json").read_text(encoding="utf-8"))
    prefix = "node_modules/"
    return {
        path[len(prefix) :]: meta["version"]
        for path, meta in lock.get("packages", {}).items()
        if path.startswith(prefix) and path.count("node_modules/") == 1 and "version" in meta
    }


MIN_NODE = (20, 19)  # jsdom 27 and --disable-wasm-trap-handler need it


@functools.lru_cache(maxsize=4)
def node_version(node: str) -> tuple[int, ...] | None:
    """``node --version`` as a tuple, or None when it cannot be run."""
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
        return tuple(int(x) for x in out.strip().lstrip("v").split(".")[:3])
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class NodeWorker:
    """One Node process speaking JSON lines; restarted by the caller after any failure."""

    def __init__(self) -> None:
        node = node_binary()
        if node is None:
            raise MissingDependency(f"the JavaScript extractors need node: {INSTALL_HINT}")
        args = [node, "--disable-wasm-trap-handler"]  # wasm guard regions do not fit under RLIMIT_AS
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:  # the pool caps workers' address space: keep V8's heap inside
            args.append(f"--max-old-space-size={max(256, soft // (2 * 1024 * 1024))}")
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [*args, str(JS_DIR / "worker.mjs")],
            cwd=JS_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            preexec_fn=_die_with_parent if os.name == "posix" else None,
        )
        register_helper(self.proc.pid)  # its memory counts as the pool worker's (the pool's recycle_mb)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.proc.stdout, selectors.EVENT_READ)
        self.next_id = 0

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _stderr_tail(self) -> str:
        try:
            self.stderr.seek(0)
            lines = self.stderr.read().decode("utf-8", "replace").strip().splitlines()
            return " | ".join(lines[-3:])[-500:]
        except (OSError, ValueError):  # ValueError: already closed
            return ""

    def request(
        self, extractor: str, html: str, url: str | None, fmt: str, module: str | None = None
    ) -> dict[str, Any]:
        """One page through ``extractor``; ``module``: a JS file with more extractors (tests)."""
        self.next_id += 1
        line = json.dumps(
            {"id": self.next_id, "extractor": extractor, "html": html, "url": url, "format": fmt, "module": module}
        )
        try:
            self.proc.stdin.write(line.encode("utf-8") + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise self._crashed(f"cannot write to it ({exc})") from None
        if not self.selector.select(REPLY_TIMEOUT):
            self.close()
            raise TimeoutError(f"node worker gave no reply within {REPLY_TIMEOUT:g} s")
        reply_line = self.proc.stdout.readline()
        if not reply_line:
            raise self._crashed("it closed its output")
        try:
            reply = json.loads(reply_line)
        except json.JSONDecodeError:
            raise self._crashed(f"unreadable reply {reply_line[:200]!r}") from None
        if reply.get("id") != self.next_id:
            raise self._crashed(f"reply for request {reply.get('id')!r}, expected {self.next_id}")
        add_external_cpu(reply.get("cpu_us", 0) / 1e6)
        return reply

    def _crashed(self, what: str) -> ExternalCrash:
        tail = self._stderr_tail()  # before close() closes the file
        try:
            self.proc.wait(timeout=2)  # it closed its pipes: normally already exiting
        except subprocess.TimeoutExpired:
            pass
        self.close()
        return ExternalCrash(f"node worker died ({what}; exit code {self.proc.returncode}) {tail}".strip())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        for stream in (self.proc.stdin, self.proc.stdout, self.stderr):
            try:
                stream.close()
            except (OSError, ValueError):  # a pipe Node left half-written
                pass


_WORKER: NodeWorker | None = None  # this process's Node worker, started on first use


def worker() -> NodeWorker:
    """This process's Node worker (a new one after the previous one died)."""
    global _WORKER
    if _WORKER is None or _WORKER.proc.poll() is not None:
        _WORKER = NodeWorker()
    return _WORKER


def shutdown() -> None:
    global _WORKER
    if _WORKER is not None:
        _WORKER.close()
        _WORKER = None


atexit.register(shutdown)


@dataclass(frozen=True)
class JsExtractor(Extractor):
    """A JS library called by ``worker.mjs`` under the name ``extractor``."""

    extra: ClassVar[str | None] = None
    extractor: ClassVar[str]
    package: ClassVar[str]  # npm package (its locked version is the system's)
    dom: ClassVar[str | None] = None  # npm package of the DOM it runs on, part of the version
    output_format: ClassVar[str] = "text"
    markdown_via: ClassVar[str | None] = None  # "turndown" when Markdown is turndown on its HTML
    js_module: ClassVar[str | None] = None  # a JS file defining ``extractor`` (test fault systems); None: worker.mjs

    @property
    def version(self) -> str:
        locked = locked_versions()
        parts = [locked.get(self.package, "not-locked")]
        for dep in (self.dom, self.markdown_via if self.output_format == "markdown" else None):
            if dep:
                parts.append(f"{dep}-{locked.get(dep, 'not-locked')}")
        return "+".join(parts)

    def check_available(self) -> None:
        node = node_binary()
        if node is None:
            raise MissingDependency(f"system {self.name!r} needs node, which is not on the PATH: {INSTALL_HINT}")
        version = node_version(node)
        if version is None or version[:2] < MIN_NODE:
            found = "cannot be run" if version is None else "is " + ".".join(map(str, version))
            raise MissingDependency(f"system {self.name!r} needs node ≥ 20.19; {node} {found}: {INSTALL_HINT}")
        for package in (self.package, self.dom):
            if package and not (JS_DIR / "node_modules" / package / "package.json").is_file():
                raise MissingDependency(
                    f"system {self.name!r} needs the npm package {package!r}, not installed: {INSTALL_HINT}"
                )

    def extract(self, html: str, page: dict[str, Any]) -> str:
        reply = worker().request(self.extractor, html, page.get("url"), self.output_format, self.js_module)
        if not reply.get("ok"):
            raise RuntimeError(f"{self.name}: {reply.get('error')}")
        content = reply.get("content") or ""
        if reply.get("kind") == "html":
            import html_text

            return html_text.extract_text(content) if content.strip() else ""
        return content


@dataclass(frozen=True)
class ReadabilityJs(JsExtractor):
    name: ClassVar[str] = "readability-js"
    extractor: ClassVar[str] = "readability"
    package: ClassVar[str] = "@mozilla/readability"
    dom: ClassVar[str | None] = "jsdom"
    markdown_via: ClassVar[str | None] = "turndown"
    description: ClassVar[str] = (
        "Mozilla Readability.js (Firefox Reader View) on jsdom: "
        "new Readability(new JSDOM(html, {url}).window.document).parse().textContent (AEB's call)"
    )


@dataclass(frozen=True)
class Defuddle(JsExtractor):
    name: ClassVar[str] = "defuddle"
    extractor: ClassVar[str] = "defuddle"
    package: ClassVar[str] = "defuddle"
    dom: ClassVar[str | None] = "linkedom"
    description: ClassVar[str] = "defuddle (Obsidian Web Clipper) on a linkedom document; HTML content → html_text"


@dataclass(frozen=True)
class Postlight(JsExtractor):
    name: ClassVar[str] = "postlight"
    extractor: ClassVar[str] = "postlight"
    package: ClassVar[str] = "@postlight/parser"
    description: ClassVar[str] = "Postlight Parser (ex-Mercury; cheerio), fetchAllPages off; HTML content → html_text"


@dataclass(frozen=True)
class ArticleExtractor(JsExtractor):
    name: ClassVar[str] = "article-extractor"
    extractor: ClassVar[str] = "article-extractor"
    package: ClassVar[str] = "@extractus/article-extractor"
    markdown_via: ClassVar[str | None] = "turndown"
    description: ClassVar[str] = (
        "@extractus/article-extractor extractFromHtml (linkedom inside); HTML content → html_text"
    )


def _markdown(cls: type[JsExtractor]) -> type[JsExtractor]:
    """The Markdown variant ``<name>:markdown`` of a JS system."""
    return dataclass(frozen=True)(
        type(
            f"{cls.__name__}Markdown",
            (cls,),
            {
                "__annotations__": {
                    "name": ClassVar[str],
                    "output_format": ClassVar[str],
                    "description": ClassVar[str],
                },
                "name": f"{cls.name}:markdown",
                "output_format": "markdown",
                "description": f"{cls.description.split(';')[0]}; Markdown output",
                "__module__": __name__,
            },
        )
    )


JS_SYSTEMS = (ReadabilityJs, Defuddle, Postlight, ArticleExtractor)
SYSTEMS = (*JS_SYSTEMS, *(_markdown(cls) for cls in JS_SYSTEMS))
for _cls in SYSTEMS:
    register(_cls())
