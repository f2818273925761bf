"""Order rules: reading an order sent by a channel, and Brazilian customer data. Pure functions."""
import hashlib
import json
import re
from datetime import date

from flask_babel import lazy_gettext as _l

from .. import brazil, clock
from .models import PaymentStatus

UFS = frozenset("AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO".split())
MAX_LINES = 500
MAX_UNITS = 100_000
MAX_PRICE_CENTS = 100_000_000_00
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def cpf_is_valid(digits: str) -> bool:
    """A CPF's two check digits (mod 11, weights 10..2 then 11..2); repeated digits are not a CPF."""
    if not re.fullmatch(r"[0-9]{11}", digits) or len(set(digits)) == 1:
        return False
    for size in (9, 10):
        total = sum(int(d) * w for d, w in zip(digits[:size], range(size + 1, 1, -1), strict=True))
        if (total * 10 % 11) % 10 != int(digits[size]):
            return False
    return True


def customer_document(text: str) -> str | None:
    """CPF (11 digits) or CNPJ (14, alphanumeric from July 2026) without punctuation, or None if invalid."""
    plain = re.sub(r"[.\-/\s]", "", text or "").upper()
    if len(plain) == 11 and cpf_is_valid(plain):
        return plain
    if len(plain) == 14 and brazil.is_valid_cnpj(plain):
        return plain
    return None


def cep(text) -> str | None:
    """The CEP's 8 digits, or None when it is not one or not in a range that exists (brazil.cep_exists)."""
    if not isinstance(text, str):
        return None
    try:
        digits = brazil.normalize_cep(text)
    except ValueError:
        return None
    return digits if brazil.cep_exists(digits) else None




class Fields:
    """Collects one message per field ("ship_to.cep", "lines[2].quantity") while reading a payload."""

    def __init__(self):
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message) -> None:
        self.errors.setdefault(name, str(message))

    def text(self, data: dict, key: str, name: str, *, required: bool = False, limit: int = 200) -> str | None:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, _l("Required."))
            return None
        if not isinstance(value, str | int) or isinstance(value, bool):
            self.fail(name, _l("Must be text."))
            return None
        value = str(value).strip()
        if len(value) > limit:
            self.fail(name, _l("At most %(limit)s characters.", limit=limit))
            return None
        return value

    def whole(self, data: dict, key: str, name: str, *, required: bool = False, minimum: int = 0,
              maximum: int = MAX_UNITS, default: int | None = None) -> int | None:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(name, _l("Required."))
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, _l("Must be a whole number."))
            return None
        if not minimum <= value <= maximum:
            self.fail(name, _l("Must be from %(min)s to %(max)s.", min=minimum, max=maximum))
            return None
        return value

    def choice(self, data: dict, key: str, name: str, choices, *, required: bool = True) -> str | None:
        value = data.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or value not in {c.value for c in choices}:  # a list or object too
            self.fail(name, _l("One of: %(choices)s.", choices=", ".join(c.value for c in choices)))
            return None
        return value

    def object(self, data: dict, key: str, name: str) -> dict:
        value = data.get(key)
        if not isinstance(value, dict):
            self.fail(name, _l("Required: an object.") if value is None else _l("Must be an object."))
            return {}
        return value


DEFAULT_CHANNELS = ("site", "marketplace", "shop")


def read_order(data: dict, channels=DEFAULT_CHANNELS, today: date | None = None) -> tuple[dict, dict[str, str]]:
    """The clean order a channel sent (SKUs still unresolved), and field errors. No database here: `channels`
    are the codes of the sales channels in use (the service reads them from the channels table). With `today`,
    a promised ship date must be within the window around it."""
    f = Fields()
    clean: dict = {}
    clean["channel"] = f.text(data, "channel", "channel", required=True, limit=20)
    if clean["channel"] is not None and clean["channel"] not in channels:
        f.fail("channel", _l("Unknown channel %(channel)s.", channel=clean["channel"]))
    clean["channel_order_id"] = f.text(data, "channel_order_id", "channel_order_id", required=True, limit=64)
    clean["payment_status"] = f.choice(data, "payment_status", "payment_status", PaymentStatus)
    clean["service_level"] = f.text(data, "service_level", "service_level", limit=40)
    clean["carrier"] = f.text(data, "carrier", "carrier", limit=40)
    clean["priority"] = f.whole(data, "priority", "priority", minimum=0, maximum=9, default=0)
    promised = data.get("promised_ship_date")
    clean["promised_ship_date"] = None
    if promised is not None:
        try:
            clean["promised_ship_date"] = date.fromisoformat(promised) if isinstance(promised, str) else None
        except ValueError:
            pass
        if clean["promised_ship_date"] is None:
            f.fail("promised_ship_date", _l("A date like 2026-12-24."))
        elif today is not None and (problem := clock.date_window_problem(clean["promised_ship_date"], today)):
            f.fail("promised_ship_date", problem)
    if clean["service_level"] is None and clean["carrier"] is None:
        f.fail("carrier", _l("Give a carrier or a service level."))

    customer = f.object(data, "customer", "customer")
    if customer:
        clean["customer_name"] = f.text(customer, "name", "customer.name", required=True, limit=120)
        document = f.text(customer, "document", "customer.document", limit=20)
        clean["customer_document"] = None
        if document is not None:
            clean["customer_document"] = customer_document(document)
            if clean["customer_document"] is None:
                f.fail("customer.document", _l("Not a valid CPF or CNPJ."))
        email = f.text(customer, "email", "customer.email", limit=200)
        if email is not None and not EMAIL.match(email):
            f.fail("customer.email", _l("Not an e-mail address."))
        clean["customer_email"] = email
        phone = f.text(customer, "phone", "customer.phone", limit=30)
        clean["customer_phone"] = None
        if phone is not None:
            digits = re.sub(r"\D", "", phone)
            if not 10 <= len(digits) <= 13:
                f.fail("customer.phone", _l("A phone number with area code, 10 to 13 digits."))
            clean["customer_phone"] = digits
        clean["min_shelf_life_days"] = f.whole(customer, "min_shelf_life_days", "customer.min_shelf_life_days",
                                               maximum=3650, default=0)

    ship_to = f.object(data, "ship_to", "ship_to")
    if ship_to:
        clean["ship_street"] = f.text(ship_to, "street", "ship_to.street", required=True)
        clean["ship_number"] = f.text(ship_to, "number", "ship_to.number", limit=20)
        clean["ship_complement"] = f.text(ship_to, "complement", "ship_to.complement", limit=100)
        clean["ship_district"] = f.text(ship_to, "district", "ship_to.district", limit=100)
        clean["ship_city"] = f.text(ship_to, "city", "ship_to.city", required=True, limit=100)
        state = f.text(ship_to, "state", "ship_to.state", required=True, limit=2)
        if state is not None and state.upper() not in UFS:
            f.fail("ship_to.state", _l("A state's two letters, e.g. SP."))
        clean["ship_state"] = state.upper() if state else None
        if ship_to.get("cep") is None:
            f.fail("ship_to.cep", _l("Required."))
        else:
            clean["ship_cep"] = cep(ship_to.get("cep"))
            if clean["ship_cep"] is None:
                f.fail("ship_to.cep", _l("A CEP that exists: 8 digits, like 01310-100."))

    lines = data.get("lines")
    clean["lines"] = []
    if not isinstance(lines, list) or not lines:
        f.fail("lines", _l("At least one line: a list of {sku, quantity, unit_price_cents}."))
    elif len(lines) > MAX_LINES:
        f.fail("lines", _l("At most %(max)s lines.", max=MAX_LINES))
    else:
        for index, line in enumerate(lines):
            name = f"lines[{index}]"
            if not isinstance(line, dict):
                f.fail(name, _l("Must be an object."))
                continue
            clean["lines"].append({
                "sku": f.text(line, "sku", f"{name}.sku", required=True, limit=40),
                "quantity": f.whole(line, "quantity", f"{name}.quantity", required=True, minimum=1),
                "unit_price_cents": f.whole(line, "unit_price_cents", f"{name}.unit_price_cents", required=True,
                                            maximum=MAX_PRICE_CENTS),
            })
    return clean, f.errors


def payload_hash(clean: dict) -> str:
    """The same order sent twice has the same hash however its JSON was spelt."""
    text = json.dumps(clean, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
