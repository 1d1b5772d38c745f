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
    data_dir: Path | None = None  # the local server's data dir (None for a remote server)

    def redact(self, text: str) -> str:
        return redact(text, self.api_key)


#: Tokens this process has read (environment or local server): every error path redacts them all.
_SECRETS: set[str] = set()
#: Pieces of a token shorter than this are not redacted on their own (they would blank common words).
MIN_PIECE = 6


def _forms(secret: str) -> set[str]:
    """How a token can appear in a message: as is, escaped (repr of str or bytes, as httpx and h11
    print header values), and each run of it between control characters (a token with an embedded
    newline is printed in pieces)."""
    import re

    forms = {secret, repr(secret)[1:-1], repr(secret.encode("utf-8", "backslashreplace"))[2:-1],
             secret.encode("unicode_escape").decode("ascii"), secret.strip()}
    forms.update(p for p in re.split(r"[\x00-\x20\x7f-\xa0\u2028\u2029]+", secret) if len(p) >= MIN_PIECE)
    return {f for f in forms if len(f) >= MIN_PIECE or f == secret and f}


def redact(text: str, *secrets: str) -> str:
    """``text`` with every form of the given and the registered tokens replaced by ``***``: the
    one redaction point for messages, errors and logs that may hold a credential."""
    for form in sorted(set().union(*(_forms(s) for s in {*secrets, *_SECRETS} if s)), key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def register_secret(secret: str) -> str:
    if secret:
        _SECRETS.add(secret)
    return secret


def resolve(data_dir: Path | None = None) -> Connection:
    """Where to connect: the environment's server if set, else the local one."""
    url = os.environ.get("LABEL_STUDIO_URL", "").strip()
    key = register_secret(os.environ.get("LABEL_STUDIO_API_KEY", "")).strip()
    if url or key:
        if not (url and key):
            missing = "LABEL_STUDIO_API_KEY" if url else "LABEL_STUDIO_URL"
            raise LabelStudioError(f"LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY must be set together ({missing} is missing)")
        return Connection(url.rstrip("/"), register_secret(key), "environment (LABEL_STUDIO_URL)")
    data_dir = (data_dir or server.default_data_dir()).resolve()
    state = server.read_state(data_dir)
    creds_path = data_dir / server.CREDENTIALS
    if state is None or not creds_path.is_file():
        raise LabelStudioUnavailable(
            f"no Label Studio server: none is running for {data_dir} and LABEL_STUDIO_URL is not set. "
            "Start one with `pagegold annotate server start`, or set LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY."
        )
    token = register_secret(server.credentials(data_dir)["token"])
    return Connection(state.url, token, f"local server at {data_dir}", data_dir)


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
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, UnicodeError) as exc:
            # Anything else httpx/h11 raise (an illegal header value: a token with a control
            # character) may quote the request's headers: one redacted line, never a traceback.
            raise LabelStudioError(conn.redact(f"{what}: request to Label Studio at {conn.url} failed: "
                                               f"{type(exc).__name__}: {exc}"[:2000])) from None
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
    except Exception as exc:
        message = f"cannot use the API token for {conn.url}: {type(exc).__name__}: {exc}"
        raise LabelStudioError(conn.redact(message[:2000])) from None
    call(conn, "connecting", ls.users.whoami, retries=retries)
    return ls, conn
