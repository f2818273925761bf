"""`wms worker`: one process for everything that happens after a commit and must not be lost.

Each pass folds the stock summary's pending deltas (wms.inventory.summary), emits the debounced `stock.changed` events (wms.inventory.stock_sync), publishes new outbox events (deliveries and e-mails), delivers the webhooks that are due, sends the
e-mails that are due, drains the print queue and retries failed after-commit handlers. Any number of workers
may run at once on PostgreSQL: every job is claimed with FOR UPDATE SKIP LOCKED.
"""
from __future__ import annotations

import importlib
import logging
import threading
from dataclasses import dataclass, field

from ..extensions import db
from . import mail, outbox, webhooks

log = logging.getLogger(__name__)


@dataclass
class Pass:
    published: int = 0
    stock_changes: int = 0
    summary_folded: int = 0
    webhooks: webhooks.Delivered = field(default_factory=webhooks.Delivered)
    mails: mail.Mailed = field(default_factory=mail.Mailed)
    printed: int = 0
    handlers: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return bool(self.published or self.stock_changes or self.webhooks.count or self.mails.count or self.printed or self.handlers)

    def summary(self) -> str:
        return (f"stock changes {self.stock_changes}, published {self.published}, webhooks delivered {len(self.webhooks.delivered)} "
                f"retrying {len(self.webhooks.retrying)} failed {len(self.webhooks.failed)}, "
                f"e-mails sent {len(self.mails.sent)} retrying {len(self.mails.retrying)} "
                f"failed {len(self.mails.failed)}, labels {self.printed}, handlers {self.handlers}")


def _optional(module: str, name: str):
    """A function of another area, when that area has it (the print queue is being reorganised)."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def _step(result: Pass, name: str, fn, *args):
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - one broken step must not stop the others
        log.exception("worker step %s failed", name)
        result.errors.append(f"{name}: {type(exc).__name__}: {exc}")
        db.session.remove()
        return None


def _publish_all() -> int:
    total = 0
    while True:
        count = outbox.fan_out()
        total += count
        if not count:
            return total


def run_once() -> Pass:
    """One pass over every queue (needs an app context)."""
    result = Pass()
    stock_changes = _optional("wms.inventory.stock_sync", "emit_due")  # debounced stock.changed per SKU
    if stock_changes is not None:
        result.stock_changes = _step(result, "stock sync", stock_changes) or 0
    fold = _optional("wms.inventory.summary", "fold_pending")  # the desk's stock summary
    if fold is not None:
        result.summary_folded = _step(result, "stock summary", fold) or 0
    result.published = _step(result, "publish", _publish_all) or 0
    result.webhooks = _step(result, "webhooks", webhooks.deliver_due) or webhooks.Delivered()
    result.mails = _step(result, "mail", mail.send_due) or mail.Mailed()
    drain = _optional("wms.printing.services", "drain")
    if drain is not None:
        recover = _optional("wms.printing.services", "recover_stale")
        if recover is not None:
            _step(result, "print recovery", recover)
        printed = _step(result, "print", drain)
        result.printed = getattr(printed, "count", 0) or 0
    retry_due = _optional("wms.handler_failures", "retry_due")
    if retry_due is not None:
        result.handlers = _step(result, "handlers", retry_due) or 0
    db.session.remove()
    return result


def run(*, interval: float = 2.0, stop: threading.Event | None = None, once: bool = False, echo=print) -> None:
    """Pass after pass until `stop` is set; sleeps `interval` seconds when a pass found nothing to do."""
    stop = stop or threading.Event()
    while True:
        result = run_once()
        if result.busy or result.errors:
            echo(result.summary())
        for error in result.errors:
            echo(f"error in {error}")
        if once or stop.is_set():
            return
        if not result.busy:
            stop.wait(interval)
            if stop.is_set():
                return
