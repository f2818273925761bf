"""Integration rules: pure functions, no Flask app and no database.

- Webhooks (Standard Webhooks 1.0, DOMAIN.md): the secret, the body, the signed headers, which events an
  endpoint takes, what an answer means, when to try again.
- Customer e-mail: the SMTP address in WMS_SMTP_URL, when to try again, which language, which links are safe.
"""
from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from flask_babel import lazy_gettext as _l
from standardwebhooks import Webhook

from ..errors import DomainError

# The outbox's kinds an endpoint may subscribe to ("*" is every kind, including ones added later).
EVENT_KINDS = (
    "order.received", "order.allocated", "order.backordered", "order.picked", "order.packed", "order.shipped",
    "order.cancelled", "shipment.tracking", "stock.changed", "return.received", "lot.recalled", "asn.closed",
    "receipt.closed",
)
ALL = "*"

# After the first attempt fails: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h; then given up.
RETRY_SCHEDULE = tuple(timedelta(seconds=s) for s in (
    5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600))
TIMEOUT_S = 15.0
URL_MAX = 500
SECRET_BYTES = 32

# A mail server that is down delays the e-mail: try again, at most hourly, for three days.
MAIL_RETRY = tuple(timedelta(seconds=s) for s in (5, 60, 300, 900, 1800, 3600))
MAIL_MAX_ATTEMPTS = 6 + 3 * 24
LOCALES = ("pt_BR", "en")


# --- endpoints ----------------------------------------------------------------------------------------


def new_secret() -> str:
    """`whsec_` and the base64 of 32 random bytes (the HMAC key is the decoded bytes)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def check_url(url: str) -> str:
    """An endpoint's address: http(s), a host, no spaces or control characters, at most 500 characters."""
    url = (url or "").strip()
    if not url:
        raise DomainError(_l("Type the address the events go to (https://...)."))
    if len(url) > URL_MAX or any(ord(c) < 33 or c == "\x7f" for c in url):
        raise DomainError(_l("This address is too long or has spaces or control characters."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        port, parts = -1, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
        raise DomainError(_l("The address must start with https:// (or http://) and name a host."))
    if parts.username or parts.password:
        raise DomainError(_l("Do not put a user or password in the address: the signature proves who sends."))
    return url


def parse_event_kinds(text: str | list[str] | None) -> str:
    """The kinds an endpoint takes, as stored: "*" or known kinds joined by commas (in the order given,
    without repeats). Unknown kinds are refused by name."""
    if isinstance(text, str):
        items = [item.strip() for item in text.replace(" ", ",").split(",")]
    else:
        items = [str(item).strip() for item in (text or [])]
    items = [item for item in items if item]
    if not items:
        raise DomainError(_l("Choose the events this endpoint receives (or * for every event)."))
    if ALL in items:
        return ALL
    unknown = [item for item in items if item not in EVENT_KINDS]
    if unknown:
        raise DomainError(_l("Unknown event: %(kinds)s. Known events: %(known)s.",
                             kinds=", ".join(i[:40] for i in unknown[:5]), known=", ".join(EVENT_KINDS)))
    return ",".join(dict.fromkeys(items))


def subscribed(events: str, kind: str) -> bool:
    return events == ALL or kind in events.split(",")


# --- one delivery -----------------------------------------------------------------------------------------


def body(kind: str, created_at: datetime, payload: dict[str, Any]) -> str:
    """The JSON body: the same bytes on every attempt of the same event."""
    return json.dumps({"type": kind, "timestamp": created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                       "data": payload}, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def signed_headers(secret: str, webhook_id: str, sent_at: datetime, data: str) -> dict[str, str]:
    """`webhook-id`, `webhook-timestamp` (Unix seconds, this attempt's) and `webhook-signature`."""
    return {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, sent_at, data),
    }


DELIVERED, GONE, RETRY = "delivered", "gone", "retry"


def outcome(status: int | None) -> str:
    """A 2xx is delivered; 410 Gone means "disable this endpoint"; anything else (or no answer) is retried."""
    if status is not None and 200 <= status < 300:
        return DELIVERED
    if status == 410:
        return GONE
    return RETRY


def retry_after(attempts: int) -> timedelta | None:
    """How long to wait after `attempts` failed attempts; None once the schedule is used up."""
    if attempts < 1:
        return timedelta(0)
    if attempts > len(RETRY_SCHEDULE):
        return None
    return RETRY_SCHEDULE[attempts - 1]


# --- customer e-mail ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    sender: str | None = None


def _flag(values: dict[str, list[str]], name: str) -> bool:
    value = (values.get(name) or [""])[-1].strip().lower()
    return value in ("1", "true", "yes", "on")


def parse_smtp_url(url: str) -> SmtpSettings:
    """`smtp://[user:pass@]host[:port][?starttls=1&from=...]`, or `smtps://` for TLS from the start.

    Port 25 by default (465 for smtps); user and password are URL-decoded."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"WMS_SMTP_URL is not an address: {exc}") from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("WMS_SMTP_URL must look like smtp://host:25 or smtps://user:pass@host:465")
    query = parse_qs(parts.query)
    ssl = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname, port=port or (465 if ssl else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=_flag(query, "starttls") and not ssl, ssl=ssl,
        sender=(query.get("from") or [None])[-1],
    )


# The customer e-mail an outbox event asks for: its template (templates/mail/<name>.txt and .html).
MAIL_TEMPLATES = {"order.shipped": "order_shipped"}
# A tracking change e-mails the customer only when the parcel needs them.
TRACKING_MAIL_TEMPLATES = {"failed_attempt": "delivery_failed", "returned": "shipment_returned",
                           "awaiting_pickup": "awaiting_pickup"}


def mail_template(kind: str, payload: Any) -> str | None:
    """Which e-mail an event sends the customer, if any."""
    if kind == "shipment.tracking":
        status = payload.get("status") if isinstance(payload, dict) else None
        return TRACKING_MAIL_TEMPLATES.get(status) if isinstance(status, str) else None
    return MAIL_TEMPLATES.get(kind)


def mail_retry_after(attempts: int) -> timedelta | None:
    if attempts >= MAIL_MAX_ATTEMPTS:
        return None
    return MAIL_RETRY[min(max(attempts, 1), len(MAIL_RETRY)) - 1]


def mail_locale(locale: str | None) -> str:
    """The order's language when we have it, else Portuguese ("en-US", "en_GB" -> en)."""
    code = (locale or "").replace("-", "_")
    if code in LOCALES:
        return code
    language = code.split("_")[0].lower()
    return next((known for known in LOCALES if known.split("_")[0].lower() == language), "pt_BR")


def safe_link(url: Any) -> str | None:
    """A tracking link we may put in an e-mail: http(s) only (never javascript:)."""
    if not isinstance(url, str) or len(url) > 1000:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.hostname else None


def looks_like_email(address: Any) -> bool:
    if not isinstance(address, str) or not 3 <= len(address) <= 254:
        return False
    local, _, domain = address.rpartition("@")
    return bool(local) and "." in domain and not any(c.isspace() or ord(c) < 32 or c in "<>,;\"" for c in address)
