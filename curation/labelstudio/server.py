"""A local Label Studio server for contributors and tests: start, stop, status.

Layout of a server's data dir (default ``$PAGEGOLD_HOME/labelstudio``; never inside the repo)::

    DIR/                           mode 0700
      label_studio.sqlite3         the SQLite database (copied from the pre-migrated template)
      pagegold-credentials.json    username, password, API token; mode 0600, never printed
      pagegold-server.json         pid, port, url of the running server
      server.log                   the server's stdout/stderr

The template (``$PAGEGOLD_LS_TEMPLATE``, default ``$PAGEGOLD_HOME/ls-template``) is a database on
which all migrations have run but that has no user: the first migration takes 30-60 s, a copy
starts in seconds. The user and its token are created by the server's own first start from the
environment, so no token is ever shared between servers through the template.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from curation.labelstudio import install

DB_NAME = "label_studio.sqlite3"
CREDENTIALS = "pagegold-credentials.json"
STATE = "pagegold-server.json"
LOG = "server.log"
DEFAULT_PORT = 8080
HOST = "127.0.0.1"
DEFAULT_USER = "curator@pagegold.local"

# Keep the server from calling out (analytics, Sentry, version checks) and from opening sign-up.
QUIET_ENV = {
    "SENTRY_DSN": "",
    "FRONTEND_SENTRY_DSN": "",
    "LABEL_STUDIO_COLLECT_ANALYTICS": "false",
    "COLLECT_ANALYTICS": "false",
    "LATEST_VERSION_CHECK": "false",
    "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
    "DJANGO_DB": "sqlite",
    "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
}
# The server also reads these unprefixed names (Label Studio's settings fall back to them); a stray one in the caller's
# environment would override ours, so they are removed from the child's environment.
UNPREFIXED = ("USERNAME", "PASSWORD", "HOST", "PORT", "USER_TOKEN")


class ServerError(RuntimeError):
    """The local Label Studio server could not be started, found or stopped."""


@dataclass(frozen=True)
class ServerState:
    data_dir: Path
    pid: int
    port: int
    url: str

    def as_dict(self) -> dict[str, Any]:
        return {"data_dir": str(self.data_dir), "pid": self.pid, "port": self.port, "url": self.url}


# --------------------------------------------------------------------------------------- paths
def default_data_dir() -> Path:
    """``--data-dir`` default: ``$PAGEGOLD_LS_DATA_DIR``, else the last started, else the home one."""
    env = os.environ.get("PAGEGOLD_LS_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    pointer = install.pagegold_home() / "labelstudio-current.json"
    if pointer.is_file():
        try:
            last = Path(json.loads(pointer.read_text())["data_dir"])
            if last.is_dir():
                return last
        except (ValueError, KeyError):
            pass
    return (install.pagegold_home() / "labelstudio").resolve()


def template_dir() -> Path:
    env = os.environ.get("PAGEGOLD_LS_TEMPLATE")
    return Path(env).expanduser() if env else install.pagegold_home() / "ls-template"


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _check_outside_repo(data_dir: Path) -> None:
    # The token and the database must never end up in a commit.
    root = _repo_root()
    if (root / ".git").exists() and data_dir.resolve().is_relative_to(root):
        raise ServerError(f"refusing data dir {data_dir} inside the repository {root}: it holds credentials")


def _write_private(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON readable by the owner only, created 0600 (never world-readable, even briefly)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(payload, fh)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


# --------------------------------------------------------------------------------- credentials
def credentials(data_dir: Path) -> dict[str, str]:
    """Username, password and token of a local server (created on first use, mode 0600).

    The token comes from ``LABEL_STUDIO_USER_TOKEN`` when set, else it is generated (40 hex digits,
    the shape of Label Studio's own legacy tokens).
    """
    path = data_dir / CREDENTIALS
    if path.is_file():
        return json.loads(path.read_text())
    creds = {
        "username": os.environ.get("LABEL_STUDIO_USERNAME") or DEFAULT_USER,
        "password": os.environ.get("LABEL_STUDIO_PASSWORD") or secrets.token_urlsafe(18),
        "token": os.environ.get("LABEL_STUDIO_USER_TOKEN") or secrets.token_hex(20),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    _write_private(path, creds)
    return creds


# ---------------------------------------------------------------------------------- template
def _server_env(data_dir: Path, creds: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in UNPREFIXED and not k.startswith("LABEL_STUDIO_")}
    env.update(QUIET_ENV)
    env["LABEL_STUDIO_BASE_DATA_DIR"] = str(data_dir)
    env["DATABASE_NAME"] = str(data_dir / DB_NAME)
    if creds:
        env["LABEL_STUDIO_USERNAME"] = creds["username"]
        env["LABEL_STUDIO_PASSWORD"] = creds["password"]
        env["LABEL_STUDIO_USER_TOKEN"] = creds["token"]
    return env


def ensure_template() -> Path:
    """Build the migrated, user-less template database once (30-60 s); return its folder."""
    target = template_dir()
    if (target / DB_NAME).is_file():
        return target
    venv = install.install()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Two test sessions may race to build it: one builds, the other waits on the lock.
    with open(target.parent / (target.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / DB_NAME).is_file():
            return target
        work = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
        # `label-studio version` applies the migrations and exits without creating any user.
        result = subprocess.run(
            [str(install.label_studio_executable(venv)), "version"],
            env=_server_env(work), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600,
        )
        if result.returncode != 0 or not (work / DB_NAME).is_file():
            shutil.rmtree(work, ignore_errors=True)
            raise ServerError("building the Label Studio template failed:\n" + result.stdout[-3000:])
        os.replace(work, target)
    return target


# ------------------------------------------------------------------------------ server control
def read_state(data_dir: Path) -> ServerState | None:
    path = data_dir / STATE
    if not path.is_file():
        return None
    raw = json.loads(path.read_text())
    return ServerState(Path(raw["data_dir"]), int(raw["pid"]), int(raw["port"]), raw["url"])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own child not yet reaped) counts as dead.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0] != "Z"
    except OSError:
        return True


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        response = httpx.get(url.rstrip("/") + "/health", timeout=timeout)
        return response.status_code == 200 and response.json().get("status") == "UP"
    except (httpx.HTTPError, ValueError):
        return False


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def status(data_dir: Path | None = None) -> ServerState | None:
    """The running server of ``data_dir``, or None (a stale state file is removed)."""
    data_dir = (data_dir or default_data_dir()).resolve()
    state = read_state(data_dir)
    if state is None:
        return None
    if not _alive(state.pid) or not _is_label_studio(state.pid):
        (data_dir / STATE).unlink(missing_ok=True)
        return None
    return state


def _is_label_studio(pid: int) -> bool:
    """Guard against a recycled PID: never signal a process that is not a Label Studio server."""
    try:
        return b"label-studio" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return not Path("/proc").is_dir()  # no procfs (macOS): trust the state file


def start(data_dir: Path | None = None, port: int | None = None, timeout: float = 180.0,
          host: str = HOST) -> ServerState:
    """Start (or find already running) the local server of ``data_dir``; return where it listens.

    ``port=None`` means 8080 if free, else any free port. Label Studio itself moves silently to
    the next port when one is busy, so the port is checked here and passed explicitly. ``host``
    other than 127.0.0.1 (e.g. 0.0.0.0 for a team on the LAN) makes the server reachable by
    others: the CLI warns; tests always stay on 127.0.0.1.
    """
    data_dir = (data_dir or default_data_dir()).expanduser().resolve()
    _check_outside_repo(data_dir)
    running = status(data_dir)
    if running is not None:
        if healthy(running.url):
            _remember(data_dir)
            return running
        raise ServerError(f"a server process (pid {running.pid}) for {data_dir} exists but is not healthy; "
                          f"stop it with `pagegold annotate server stop --data-dir {data_dir}`")
    if port is None:
        port = DEFAULT_PORT if _port_free(DEFAULT_PORT) else _free_port()
    elif not _port_free(port):
        raise ServerError(f"port {port} on {HOST} is busy; pick another with --port")

    venv = install.install()
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)
    if not (data_dir / DB_NAME).is_file():
        shutil.copy2(ensure_template() / DB_NAME, data_dir / DB_NAME)
    elif not (data_dir / CREDENTIALS).is_file():
        # The user (and its token) is created on a database's first start only: new credentials
        # would not match the existing user.
        raise ServerError(f"{data_dir} holds a Label Studio database but no {CREDENTIALS}: "
                          "use a fresh --data-dir, or reach that server with LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY")
    creds = credentials(data_dir)
    cmd = [
        str(install.label_studio_executable(venv)), "start", "--no-browser",
        "--internal-host", host, "--port", str(port), "--enable-legacy-api-token",
    ]
    log = os.fdopen(os.open(data_dir / LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
    # Own session: `stop` signals this process group only, by its id.
    proc = subprocess.Popen(cmd, env=_server_env(data_dir, creds), stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True, cwd=data_dir)
    log.close()
    url = f"http://{HOST if host in ('0.0.0.0', '::', '') else host}:{port}"
    state = ServerState(data_dir, proc.pid, port, url)
    _write_private(data_dir / STATE, state.as_dict())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            (data_dir / STATE).unlink(missing_ok=True)
            raise ServerError(f"Label Studio exited with code {proc.returncode}; see {data_dir / LOG}")
        if healthy(url, timeout=1.0):
            _remember(data_dir)
            return state
        time.sleep(0.3)
    stop(data_dir)
    raise ServerError(f"Label Studio did not become healthy within {timeout:.0f} s; see {data_dir / LOG}")


def add_user(email: str, data_dir: Path | None = None) -> tuple[str, bool]:
    """Create a web login for ``email`` on the local server (or reset its password).

    Returns ``(password, created)``. The password is generated here, handed to the server's own
    Python on stdin and never stored: the caller shows it once; the annotator changes it under
    Account & Settings. The Community edition has one role (every member can annotate and see all
    projects), so there is no role to choose.
    """
    data_dir = (data_dir or default_data_dir()).resolve()
    if "@" not in email or email.startswith("@") or email.endswith("@") or any(c.isspace() for c in email):
        raise ServerError(f"{email!r} is not an e-mail address")
    if not (data_dir / DB_NAME).is_file():
        raise ServerError(f"no Label Studio database in {data_dir}: "
                          "start the server first (`pagegold annotate server start`)")
    password = secrets.token_urlsafe(12)
    python = install.label_studio_executable().parent / "python"
    script = Path(__file__).with_name("ls_user.py")
    result = subprocess.run([str(python), str(script), email], input=password, env=_server_env(data_dir),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300, cwd=data_dir)
    if result.returncode != 0 or not result.stdout.strip():
        raise ServerError(f"adding user {email} failed: {(result.stderr.strip().splitlines() or ['no output'])[-1]}")
    return password, result.stdout.split()[0] == "created"


def _remember(data_dir: Path) -> None:
    """Record the last started server so the next commands find it without --data-dir."""
    home = install.pagegold_home()
    home.mkdir(parents=True, exist_ok=True)
    _write_private(home / "labelstudio-current.json", {"data_dir": str(data_dir)})


def stop(data_dir: Path | None = None, timeout: float = 15.0) -> bool:
    """Stop the server of ``data_dir`` by its PID; True if one was running."""
    data_dir = (data_dir or default_data_dir()).resolve()
    state = status(data_dir)
    if state is None:
        return False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(state.pid, sig)  # the group we created with start_new_session
        except ProcessLookupError:
            break
        except PermissionError:
            os.kill(state.pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _alive(state.pid):
            time.sleep(0.1)
        if not _alive(state.pid):
            break
    (data_dir / STATE).unlink(missing_ok=True)
    return True
