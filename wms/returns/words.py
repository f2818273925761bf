"""The words of the built-in return reasons (wms/returns/rules.py keeps them in English, as the codes' meaning).
A reason the desk typed itself is shown as typed."""
from flask_babel import lazy_gettext as _l

from . import rules

BUILT_IN_REASON = {
    "regret": _l("Changed mind (withdrawal, CDC art. 49)"), "damaged_in_transit": _l("Arrived damaged"),
    "wrong_item": _l("Wrong item sent"), "defective": _l("Defective"), "expired": _l("Expired or short-dated"),
    "other": _l("Other"),
}
_DEFAULTS = dict(rules.DEFAULT_REASONS)


def reason_label(code: str, label: str) -> str:
    """The built-in label in the reader's language; a label the desk changed, as it is."""
    if _DEFAULTS.get(code) == label and code in BUILT_IN_REASON:
        return str(BUILT_IN_REASON[code])
    return label
