"""Shipping's own desk settings (kept in the shared settings table under `shipping.` keys): the sender
printed on every label, the weight check's tolerance, whether every order needs an NF-e."""
from flask_babel import lazy_gettext as _l

from .. import audit
from ..errors import DomainError
from ..extensions import db
from ..settings import Setting
from ..uow import use_case
from . import rules
from .words import SETTING

DEFAULTS: dict[str, int | str] = {
    "sender_name": "Retaguarda Distribuidora",
    "sender_street": "Rua do Armazém",
    "sender_number": "100",
    "sender_complement": "",
    "sender_district": "Centro",
    "sender_city": "São Paulo",
    "sender_state": "SP",
    "sender_cep": "01001000",
    "sender_phone": "",
    # A box whose weight differs from its units + tare by more than this asks for a recount.
    "weight_tolerance_percent": 10,
    "weight_tolerance_min_g": 50,
    # 1: every order needs an NF-e before it ships (a channel rule can ask it for its orders only).
    "require_invoice": 0,
    # A shipment not delivered this many days after it left is late (when its freight table says no days).
    "late_after_days": 7,
}


def get(key: str):
    default = DEFAULTS[key]
    row = db.session.get(Setting, f"shipping.{key}")
    if row is None:
        return default
    try:
        return type(default)(row.value)
    except ValueError:
        return default


def put(key: str, value) -> None:
    """Set a value in the caller's transaction."""
    typed = type(DEFAULTS[key])(value)
    row = db.session.get(Setting, f"shipping.{key}")
    if row is None:
        db.session.add(Setting(key=f"shipping.{key}", value=str(typed)))
    else:
        row.value = str(typed)


def sender() -> dict:
    """The sender's address as the label kinds take it."""
    address = {k: get(f"sender_{k}") for k in ("name", "street", "number", "complement", "district", "city",
                                               "state", "cep", "phone")}
    return address


@use_case
def save_settings(submitted: dict[str, str], *, user_id: int | None = None) -> dict:
    """Save the settings a desk form sent (rules.check_settings says which are good). One refused value and
    nothing is saved: the message names every field to check. Returns what changed ({key: (before, after)})."""
    values, refused = rules.check_settings(submitted, DEFAULTS)
    if refused:
        raise DomainError(_l("Not saved: check %(fields)s.",
                             fields=", ".join(str(SETTING.get(key, key)) for key in refused)))
    changed = {key: (get(key), value) for key, value in values.items() if get(key) != value}
    for key, value in values.items():
        put(key, value)
    if changed:
        audit.record("setting.shipping", None, user_id=user_id,
                     **{key: {"before": before, "after": after} for key, (before, after) in changed.items()})
    return changed
