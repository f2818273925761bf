"""The words for the ledger's move reasons and the adjustment reasons, shown on every page that lists moves.
The stored values stay the codes (`putaway`, `count_variance`); people read these words."""
from flask_babel import lazy_gettext as _l

ADJUSTMENT_REASON = {"damaged": _l("damaged"), "found": _l("found"), "lost": _l("lost"),
                     "count_variance": _l("count variance"), "expired": _l("expired"),
                     "correction": _l("correction")}
MOVE_REASON = dict(
    ADJUSTMENT_REASON, receipt=_l("receipt"), move=_l("move"), quarantine=_l("quarantine"),
    putaway=_l("put-away"), pick=_l("pick"), short_pick=_l("short pick"), stage=_l("staging"),
    unpick=_l("back to stock"), pack=_l("packing"), unpack=_l("unpacking"), ship=_l("shipment"),
    replenish=_l("replenishment"), return_to_supplier=_l("return to supplier"),
    **{"return": _l("customer return")})


def word(table: dict, code: str | None) -> str:
    if not code:
        return ""
    return str(table.get(code, code.replace("_", " ")))


def move_reason(code: str | None) -> str:
    return word(MOVE_REASON, code)
