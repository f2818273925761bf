"""`wms worker`: the one background process, for everything that happens after a commit and must not be lost.

Each pass folds the stock summary's pending deltas (wms.inventory.summary), emits the debounced `stock.changed` events (wms.inventory.stock_sync), publishes new outbox events
(deliveries and e-mails), delivers the webhooks that are due, sends the e-mails that are due, drains the print
queue (a job left 'sending' by a sender that died is failed first, for a person to check), retries failed
after-commit handlers and prunes the login throttle's old counts. Any number of workers may run at once on
PostgreSQL: every job is claimed with FOR UPDATE SKIP LOCKED. A warehouse runs this one process beside the web
server (`wms print-worker` is the same command under its old name). `wms run`, the one-command demo, runs the same
loop in a thread with a pass that only folds the stock summary.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

from . import handler_failures, uow
from .auth import throttle
from .extensions import db
from .integration import mail, outbox, webhooks
from .inventory import stock_sync, summary
from .printing import sender
from .tally import Tally

log = logging.getLogger(__name__)


@dataclass
class Pass:
    published: int = 0
    stock_changes: int = 0
    summary_folded: int = 0
    webhooks: Tally = field(default_factory=Tally)
    mails: Tally = field(default_factory=Tally)
    labels: Tally = field(default_factory=Tally)
    stale_labels: int = 0
    handlers: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return bool(self.published or self.stock_changes or self.webhooks.count or self.mails.count
                    or self.labels.count or self.stale_labels or self.handlers)

    def summary(self) -> str:
        return (f"stock changes {self.stock_changes}, published {self.published}, "
                f"webhooks delivered {len(self.webhooks.sent)} retrying {len(self.webhooks.retrying)} "
                f"failed {len(self.webhooks.failed)}, "
                f"e-mails sent {len(self.mails.sent)} retrying {len(self.mails.retrying)} "
                f"failed {len(self.mails.failed)}, "
                f"labels sent {len(self.labels.sent)} retrying {len(self.labels.retrying)} "
                f"failed {len(self.labels.failed) + self.stale_labels}, handlers {self.handlers}")


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


def _prune_throttle() -> int:
    with uow.unit_of_work():
        return throttle.prune()


def fold_once() -> Pass:
    """`wms run`'s pass (the demo, where no worker runs): only the stock summary's fold (needs an app context)."""
    result = Pass()
    result.summary_folded = _step(result, "stock summary", summary.fold_pending) or 0
    db.session.remove()
    return result


def run_once() -> Pass:
    """One pass over every queue (needs an app context)."""
    result = Pass()
    result.summary_folded = _step(result, "stock summary", summary.fold_pending) or 0
    result.stock_changes = _step(result, "stock sync", stock_sync.emit_due) or 0
    result.published = _step(result, "publish", _publish_all) or 0
    result.webhooks = _step(result, "webhooks", webhooks.deliver_due) or Tally()
    result.mails = _step(result, "mail", mail.send_due) or Tally()
    result.stale_labels = _step(result, "print recovery", sender.recover_stale) or 0
    result.labels = _step(result, "print", sender.drain) or Tally()
    result.handlers = _step(result, "handlers", handler_failures.retry_due) or 0
    _step(result, "login throttle", _prune_throttle)
    db.session.remove()
    return result


def run(*, interval: float = 2.0, stop: threading.Event | None = None, once: bool = False, echo=print,
        one_pass: Callable[[], Pass] = run_once, due_in: Callable[[float], float] | None = sender.next_due_in,
        app=None) -> None:
    """Pass after pass until `stop` is set: `wms worker`'s loop, and the thread of `wms run`, which passes
    `one_pass=fold_once, due_in=None` and its `app` (the thread pushes the app context for its whole life, as the
    worker's command does; each pass is still its own units of work). When a pass found nothing to do it sleeps
    `interval` seconds, or less when `due_in` says something is due sooner (by default a label waiting to be
    retried: only a pass that drains the print queue may ask that, or it would wake for labels it never sends)."""
    stop = stop or threading.Event()
    with app.app_context() if app is not None else nullcontext():
        while True:
            result = one_pass()
            if result.busy or result.errors:
                echo(result.summary())
            for error in result.errors:
                echo(f"error in {error}")
            if once or stop.is_set():
                return
            if not result.busy:
                wait = _step(result, "print schedule", due_in, interval) if due_in is not None else None
                stop.wait(interval if wait is None else wait)
                if stop.is_set():
                    return
