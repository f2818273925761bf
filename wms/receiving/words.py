"""Words for the codes receiving keeps, for both screens (handheld and desk)."""
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

DISCREPANCY = {
    "over": _l("more than expected"), "under": _l("less than expected"), "unexpected": _l("not on the ASN"),
    "wrong_lot": _l("another lot than the ASN's"), "short_dated": _l("short-dated lot"),
    "expired": _l("expired lot"), "anvisa_mismatch": _l("Anvisa registration does not match"),
    "damaged": _l("damaged"),
}
HOLD_REASON = {
    "anvisa_controlled": _l("Anvisa-controlled: QA release"), "unexpected": _l("not on the ASN"),
    "short_dated": _l("short-dated lot"), "anvisa_mismatch": _l("Anvisa registration does not match"),
    "same_pallet": _l("on the same pallet as held goods"),
}
DECISION = {
    "accepted": _l("accepted"), "approved": _l("allowed by a supervisor"), "quarantine": _l("quarantine"),
    "damaged": _l("to the damaged location"), "refused": _l("refused"), "recorded": _l("recorded"),
}
OUTCOME = {"stock": _l("stock"), "quarantine": _l("quarantine"), "damaged": _l("damaged")}
ASN_STATUS = {"expected": _l("expected"), "receiving": _l("receiving"), "received": _l("received"),
              "cancelled": _l("cancelled")}
HOLD_STATUS = {"open": _l("waiting"), "released": _l("released"), "rejected": _l("rejected")}
RULE_KIND = {"reserve": _l("reserve"), "pick_face": _l("pick face"), "staging": _l("staging"),
             "quarantine": _l("quarantine")}
LOT_STATUS = {"released": _l("released"), "quarantine": _l("quarantine"), "blocked": _l("blocked"),
              "recalled": _l("recalled")}
CATEGORY = {"medicine": _l("Medicine"), "cosmetic": _l("Cosmetic"), "sanitizer": _l("Sanitizer"), "food": _l("Food"),
            "health_product": _l("Health product"), "other": _l("Other")}
SOURCE = {"desk": _l("desk"), "csv": "CSV", "api": "API"}
PLATE_KIND = {"pallet": _l("pallet"), "tote": _l("tote"), "box": _l("box")}
SUGGESTION_WHY = {"same_lot": _l("already holds this lot"), "empty": _l("an empty place"),
                  "same_product": _l("already holds this product"), "mixed": _l("has room")}


def _word(table: dict, code: str | None) -> str:
    if not code:
        return ""
    return str(table.get(code, code.replace("_", " ")))


def helpers() -> dict:
    """Template helpers: `discrepancy(code)`, `hold_reason(code)`, ..."""
    return {
        "discrepancy": lambda code: _word(DISCREPANCY, code),
        "hold_reason": lambda code: _word(HOLD_REASON, code),
        "decision": lambda code: _word(DECISION, code),
        "outcome": lambda code: _word(OUTCOME, code),
        "asn_status": lambda code: _word(ASN_STATUS, code),
        "hold_status": lambda code: _word(HOLD_STATUS, code),
        "rule_kind": lambda code: _word(RULE_KIND, code),
        "suggestion_why": lambda code: _word(SUGGESTION_WHY, code),
        "lot_status": lambda code: _word(LOT_STATUS, code),
        "category_label": lambda code: _word(CATEGORY, code),
        "source": lambda code: _word(SOURCE, code),
        "plate_kind": lambda code: _word(PLATE_KIND, code),
        "iso_day": iso_day,
    }


def iso_day(text: str | None) -> str:
    """A date a service answered as ISO text, in the warehouse's date format (31/12/2027 in pt_BR)."""
    if not text:
        return "-"
    try:
        return format_date(date.fromisoformat(str(text)), "short")
    except ValueError:
        return str(text)

# The names of an ASN's fields, as the desk form labels them (errors come keyed by the API's field names).
ASN_FIELD = {"sku": _l("SKU"), "quantity": _l("Quantity"), "lot": _l("Lot"), "expires_on": _l("Expires on"),
             "sscc": "SSCC", "supplier": _l("Supplier"), "reference": _l("Reference"),
             "expected_on": _l("Expected on"), "note": _l("Note"), "lines": _l("Lines")}


def asn_field(name: str) -> str:
    return str(ASN_FIELD.get(name, name))
