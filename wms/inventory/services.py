"""The inventory area's public API for other areas (receiving, picking, the CLI, the demo, tests).

The use cases live in modules of one family each: `ledger` (moves and locks), `lpns` (plates), `adjustments`,
`counts` and `lots`. Code inside the inventory area imports those modules; other areas import these names.
"""
from .adjustments import adjust_stock, decide_adjustment, set_adjustment_threshold
from .counts import MAX_COUNTS_AT_ONCE, open_count, open_counts, submit_count
from .ledger import (
    MoveResult,
    apply_move,
    check_destination,
    ensure_items,
    goods,
    iter_stock_mismatches,
    ledger_balance,
    lock_items,
    lock_items_where,
    move_stock,
    quarantine_code,
    stock_became_available,
    stock_mismatches,
)
from .lots import change_lot_status
from .lpns import create_lpn, create_numbered_lpn, lpn_by_code, move_lpn, next_lpn_code
from .rules import LOT_TRANSITIONS

__all__ = [
    "LOT_TRANSITIONS", "MAX_COUNTS_AT_ONCE", "MoveResult", "adjust_stock", "apply_move", "change_lot_status",
    "check_destination", "create_lpn", "create_numbered_lpn", "decide_adjustment", "ensure_items", "goods", "iter_stock_mismatches", "ledger_balance",
    "lock_items", "lock_items_where", "lpn_by_code", "move_lpn", "move_stock", "next_lpn_code", "open_count",
    "open_counts", "quarantine_code", "set_adjustment_threshold", "stock_became_available", "stock_mismatches",
    "submit_count",
]
