"""Pure rules of the print queue: which printer, when to try again, what a failure means.

No Flask, no session: the services load rows and ask these.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from ..errors import DomainError

# A station is a short word the screens and services agree on: "dock", "packing", "pack-3".
_STATION_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")

# Messages of printers.transports that mean "the bytes may already be at the printer":
# the connection was open and the job was (partly) handed over when it failed.
_MAYBE_DELIVERED = ("stopped taking data", "dropped the connection", "did not take the job", "did not confirm it",
                    "CUPS holds the label")

BACKOFF_FIRST_S = 5
BACKOFF_MAX_S = 300


def normalize_station(station: str | None) -> str:
    """"" for no station; otherwise the station's word in lower case. Raises DomainError."""
    text = (station or "").strip().lower()
    if text and not _STATION_RE.fullmatch(text):
        raise DomainError(
            _l("A station is a short word of letters, digits, - or _ (like dock or pack-3), not %(station)r.",
               station=station)
        )
    return text


def printer_candidates(station: str, kind: str) -> list[tuple[str, str]]:
    """The (station, kind) assignments to look for, most specific first.

    The station's printer for this kind, then the station's printer for any kind, then the
    warehouse's printer for this kind (shipping labels on the 100x150 printer), then the default.
    """
    keys = []
    if station:
        keys += [(station, kind), (station, "")]
    keys += [("", kind), ("", "")]
    return keys


def backoff(attempts: int, first: float = BACKOFF_FIRST_S, most: float = BACKOFF_MAX_S) -> timedelta:
    """Wait before attempt `attempts + 1`: 5 s, 10 s, 20 s ... at most 5 minutes."""
    if attempts < 1:
        return timedelta(0)
    return timedelta(seconds=min(most, first * 2 ** min(attempts - 1, 30)))


def next_attempt(now: datetime, attempts: int, first: float = BACKOFF_FIRST_S,
                 most: float = BACKOFF_MAX_S) -> datetime:
    return now + backoff(attempts, first, most)


def may_have_printed(error: BaseException) -> bool:
    """True when a failed send may still have put the label on the printer.

    A refused or unanswered connection, an unknown host, a CUPS queue that said no or a folder
    that cannot be written: nothing left, so trying again is safe. A connection that dropped or
    stalled in the middle of the job, a CUPS submission that timed out, or any error we do not
    know: the printer may have (part of) the job, so sending again could print it twice.
    """
    from printers.transports import PrinterError

    if not isinstance(error, PrinterError):
        return True
    message = str(error)
    return any(phrase in message for phrase in _MAYBE_DELIVERED)


def check_printer_url(url: str) -> str:
    """The URL, trimmed, if it names a printer the transports can reach. Raises DomainError."""
    url = (url or "").strip()
    hint = _l("Use tcp://host:9100, cups://queue or file:///directory.")
    if "://" not in url:
        raise DomainError(_l("%(url)r is not a printer address. %(hint)s", url=url, hint=hint))
    parts = urlsplit(url)
    if parts.scheme == "tcp":
        try:
            port = parts.port
        except ValueError:
            port = -1
        if not parts.hostname or port == -1 or parts.path not in ("", "/") or parts.query:
            raise DomainError(_l("%(url)r should be tcp://host:port, like tcp://10.0.0.5:9100.", url=url))
    elif parts.scheme == "cups":
        if not re.fullmatch(r"[^\s/\\'\"#-][^\s/\\'\"#]{0,126}", parts.netloc) or parts.path not in ("", "/"):
            raise DomainError(_l("%(url)r should be cups://QUEUE with the CUPS queue name.", url=url))
    elif parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise DomainError(_l("%(url)r should be file:///absolute/directory (three slashes).", url=url))
    else:
        raise DomainError(_l("%(url)r is not a printer address. %(hint)s", url=url, hint=hint))
    return url


def reference_of(kind: str, data: Mapping[str, Any]) -> str:
    """What a person looks for in the job list: the code the label is about."""
    keys = {
        "location": ("code",),
        "product": ("sku",),
        "lot": ("lot",),
        "lpn": ("code",),
        "station_card": ("code",),
        "shipping_correios": ("tracking_code", "order"),
        "shipping_generic": ("tracking", "order"),
        "return": ("rma",),
    }.get(kind, ())
    for key in keys:
        value = data.get(key) if isinstance(data, Mapping) else None
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()[:80]
    return kind


MAX_CARDS = 60  # a station's set of cards is a handful; more in one go is a mistaken form


def chosen_cards(codes: list[str], known: list[str]) -> list[str]:
    """The station cards a desk form chose, each once, in the order listed: every code must be a card the app
    knows (a command word or an active printer's name). Raises DomainError."""
    chosen = list(dict.fromkeys(code for code in codes if code))
    if not chosen:
        raise DomainError(_l("Choose at least one card to print."))
    if len(chosen) > MAX_CARDS:
        raise DomainError(_l("Print at most %(most)s cards at a time.", most=MAX_CARDS))
    unknown = [code for code in chosen if code not in known]
    if unknown:
        raise DomainError(_l("%(code)s is not a station card: reload the page and choose again.",
                             code=unknown[0][:60]))
    return sorted(chosen, key=known.index)
