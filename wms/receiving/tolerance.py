"""The over-receipt tolerance: how much more than the ASN announced is taken in without a supervisor (a desk
setting, % of the ASN's quantity of the product).
"""

from flask_babel import lazy_gettext as _l

from .. import audit, settings
from ..errors import DomainError
from ..uow import use_case

DEFAULT_OVER_TOLERANCE_PCT = 5


def register_settings() -> None:
    """Receiving's settings and their defaults (called by the area's `blueprints.register`, not at import)."""
    settings.DEFAULTS.setdefault("receiving_over_tolerance_pct", DEFAULT_OVER_TOLERANCE_PCT)


def over_tolerance_pct() -> int:
    return settings.get("receiving_over_tolerance_pct")


@use_case
def set_over_tolerance(pct: int, *, user_id: int | None) -> int:
    if isinstance(pct, bool) or not isinstance(pct, int) or not 0 <= pct <= 100:
        raise DomainError(_l("The over-receipt tolerance is a whole percentage from 0 to 100."))
    before = over_tolerance_pct()
    settings.put("receiving_over_tolerance_pct", pct)
    audit.record("setting.receiving_over_tolerance_pct", None, user_id=user_id, before=before, after=pct)
    return pct
