"""Which handler reacts to which event: the one place side effects are wired (called by create_app).

In-transaction handlers are part of the same decision and commit with it; after-commit handlers are
consequences that may come a moment later and must never undo the change (see wms/uow.py).
"""
from . import messages
from .uow import MessageBus


def register(bus: MessageBus) -> None:
    from .picking import backorders, reservations
    from .printing import sender

    # A lot that may no longer be sold: release its reservations, re-allocate, hold orders that hold it.
    bus.subscribe(messages.LotBecameUnavailable, reservations.on_lot_unavailable, after_commit=False)
    # Stock that can now be picked: back-orders get it, the most urgent first.
    bus.subscribe(messages.StockBecameAvailable, backorders.on_stock_available, after_commit=True)
    # A label asked for in a committed transaction goes to its printer.
    bus.subscribe(messages.LabelQueued, sender.on_label_queued, after_commit=True)
