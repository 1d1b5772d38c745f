"""Connect to Label Studio: a remote one from the environment, else the local server.

``LABEL_STUDIO_URL`` + ``LABEL_STUDIO_API_KEY`` (the SDK's own names) win when both are set;
otherwise the local server's URL and token are read from its data dir (see server.py). The token
is never printed: every error raised here names the URL and the cause, never the key.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import httpx
from label_studio_sdk.core.api_error import ApiError  # light; the client itself is imported lazily

from curation.labelstudio import server

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

T = TypeVar("T")
# Bounded retries for an unreachable server: 4 tries over ~7 s, then a clear error.
RETRIES = 3
BACKOFF = 1.0
TIMEOUT = 120.0  # seconds per request: a 5,000-task import or export is one request


class LabelStudioError(RuntimeError):
    """Talking to Label Studio failed; the message is safe to show (it never holds the token)."""


class LabelStudioUnavailable(LabelStudioError):
    """The server could not be reached after bounded retries."""


class LabelStudioAuthError(LabelStudioError):
    """The server refused the API token."""


@dataclass(frozen=True)
class Connection:
    url: str
    api_key: str = field(repr=False)  # repr=False: a logged Connection never shows the token
    origin: str  # "environment" or "local server at DIR"

    def redact(self, text: str) -> str:
        return text.replace(self.api_key, "***") if self.api_key else text


def resolve(data_dir: Path | None = None) -> Connection:
    """Where to connect: the environment's server if set, else the local one."""
    url = os.environ.get("LABEL_STUDIO_URL", "").strip()
    key = os.environ.get("LABEL_STUDIO_API_KEY", "").strip()
    if url or key:
        if not (url and key):
            missing = "LABEL_STUDIO_API_KEY" if url else "LABEL_STUDIO_URL"
            raise LabelStudioError(f"LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY must be set together ({missing} is missing)")
        return Connection(url.rstrip("/"), key, "environment (LABEL_STUDIO_URL)")
    data_dir = (data_dir or server.default_data_dir()).resolve()
    state = server.read_state(data_dir)
    creds_path = data_dir / server.CREDENTIALS
    if state is None or not creds_path.is_file():
        raise LabelStudioUnavailable(
            f"no Label Studio server: none is running for {data_dir} and LABEL_STUDIO_URL is not set. "
            "Start one with `pagegold annotate server start`, or set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY."
        )
    return Connection(state.url, server.credentials(data_dir)["token"], f"local server at {data_dir}")


def call(conn: Connection, what: str, fn: Callable[[], T], retries: int = RETRIES, idempotent: bool = True) -> T:
    """Run one API call with bounded retries on connection failures and clear, token-free errors.

    A non-idempotent call (an import) is retried only when the request never left (connect
    errors): after a read timeout the server may have done the work, and a retry would duplicate it.
    """
    retryable = (httpx.ConnectError, httpx.ConnectTimeout)
    if idempotent:
        retryable += (httpx.RemoteProtocolError, httpx.ReadTimeout)
    for attempt in range(retries + 1):
        try:
            return fn()
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ReadTimeout) as exc:
            if attempt == retries or not isinstance(exc, retryable):
                raise LabelStudioUnavailable(
                    f"{what}: Label Studio at {conn.url} is unreachable after {retries + 1} tries "
                    f"({type(exc).__name__}). Is the server running? (`pagegold annotate server status`)"
                ) from None
            time.sleep(BACKOFF * 2**attempt)
        except ApiError as exc:
            if exc.status_code in (401, 403):
                raise LabelStudioAuthError(
                    f"{what}: Label Studio at {conn.url} refused the API token (HTTP {exc.status_code}). "
                    f"Check LABEL_STUDIO_API_KEY, or the local server's credentials ({conn.origin})."
                ) from None
            detail = exc.body.get("detail", exc.body) if isinstance(exc.body, dict) else exc.body
            raise LabelStudioError(conn.redact(f"{what}: Label Studio answered HTTP {exc.status_code}: {detail}"[:2000])) from None
    raise AssertionError("unreachable")


def connect(data_dir: Path | None = None, retries: int = RETRIES) -> tuple["LabelStudio", Connection]:
    """A checked SDK client: the server answered and accepted the token, or an error says why."""
    from label_studio_sdk import LabelStudio  # ~0.6 s to import: only when a command needs it

    conn = resolve(data_dir)
    try:
        # The SDK's own retries are turned off: `call` owns the (bounded) retry policy.
        ls = LabelStudio(base_url=conn.url, api_key=conn.api_key, timeout=TIMEOUT, max_retries=0)
    except ApiError as exc:  # the SDK rejects an expired JWT already in the constructor
        raise LabelStudioAuthError(f"the API token for {conn.url} was refused before connecting (HTTP {exc.status_code})") from None
    call(conn, "connecting", ls.users.whoami, retries=retries)
    return ls, conn
