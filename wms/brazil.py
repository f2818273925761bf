"""Brazilian identifiers printed on labels and typed at the desk.

Correios tracking codes (UPU S10), CEP, CNPJ, the NF-e access key and the
Correios 2D DataMatrix (SIGEP manual, Anexo 03). Pure functions: no
database, no Flask. Validators return bool; builders raise ValueError with a
message a person at the packing desk can act on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "cep_check_digit",
    "cnpj_check_digits",
    "correios_datamatrix",
    "format_cep",
    "format_tracking",
    "is_valid_cnpj",
    "is_valid_nfe_key",
    "is_valid_tracking_code",
    "nfe_check_digit",
    "normalize_cep",
    "s10_check_digit",
    "tracking_code",
]

# --- Correios tracking codes (UPU S10) -------------------------------------

_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_TRACKING_RE = re.compile(r"[A-Z]{2}[0-9]{8}[0-9][A-Z]{2}")


def s10_check_digit(serial8: str) -> int:
    """Check digit of an 8-digit S10 serial: `"47312482"` -> 9."""
    if not (isinstance(serial8, str) and len(serial8) == 8 and serial8.isascii() and serial8.isdigit()):
        raise ValueError(f"A tracking serial has exactly 8 digits, got {serial8!r}")
    r = sum(int(c) * w for c, w in zip(serial8, _S10_WEIGHTS, strict=True)) % 11
    if r == 0:
        return 5
    if r == 1:
        return 0
    return 11 - r


def is_valid_tracking_code(code: str) -> bool:
    """True for a 13-character S10 code whose check digit matches (`PH297898690BR`)."""
    if not isinstance(code, str) or not _TRACKING_RE.fullmatch(code):
        return False
    return s10_check_digit(code[2:10]) == int(code[10])


def tracking_code(prefix: str, serial8: str, country: str = "BR") -> str:
    """Build a tracking code from a range Correios handed out: `("PH", "29789869")` -> `PH297898690BR`."""
    if not (isinstance(prefix, str) and re.fullmatch(r"[A-Z]{2}", prefix)):
        raise ValueError(f"A tracking service prefix is two capital letters (e.g. 'PH'), got {prefix!r}")
    if not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)):
        raise ValueError(f"A tracking country is two capital letters (e.g. 'BR'), got {country!r}")
    return f"{prefix}{serial8}{s10_check_digit(serial8)}{country}"


def format_tracking(code: str) -> str:
    """Tracking code as people read it: `PH297898690BR` -> `PH 297 898 690 BR`."""
    if not is_valid_tracking_code(code):
        raise ValueError(f"{code!r} is not a valid Correios tracking code (e.g. PH297898690BR)")
    return f"{code[:2]} {code[2:5]} {code[5:8]} {code[8:11]} {code[11:]}"


# --- CEP --------------------------------------------------------------------

# Accepted spellings: 71010050, 71010-050 and the older 71.010-050.
_CEP_RE = re.compile(r"([0-9]{2})\.?([0-9]{3})-?([0-9]{3})")


def normalize_cep(text: str) -> str:
    """The 8 digits of a CEP typed as `71010-050`, `71010050` or `71.010-050`."""
    if not isinstance(text, str):
        raise ValueError(f"A CEP is text like 71010-050, got {type(text).__name__}")
    match = _CEP_RE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a CEP: type 8 digits, like 71010-050")
    return "".join(match.groups())


def cep_exists(cep: str) -> bool:
    """Whether the CEP lies in the ranges the Correios hand out: the first digit is the region (0 Greater São
    Paulo ... 9 Rio Grande do Sul) and the lowest CEP is 01000-000 (00xxx-xxx is no place); 99999-999 and
    the same digit eight times (00000-000, 11111-111 ...) are what forms get typed to skip the field."""
    digits = normalize_cep(cep)
    return "01000000" <= digits <= "99999998" and len(set(digits)) > 1


def format_cep(cep: str) -> str:
    """`71010050` -> `71010-050`."""
    digits = normalize_cep(cep)
    return f"{digits[:5]}-{digits[5:]}"


def cep_check_digit(cep: str) -> int:
    """CEP check digit used in the Correios DataMatrix: `71010050` -> 6."""
    digits = normalize_cep(cep)
    return (10 - sum(int(c) for c in digits) % 10) % 10


# --- Mod 11 with alphanumeric values (CNPJ, NF-e key) -------------------------


def _mod11_digit(text: str) -> int:
    """Weights 2..9 cycling from the right; each character is worth ord(c) - 48.

    For digits ord(c) - 48 is the digit itself; for A..Z it gives 17..42,
    which is how the alphanumeric CNPJ (from July 2026) enters both the CNPJ
    and the NF-e key check digits.
    """
    total = sum((ord(c) - 48) * (2 + i % 8) for i, c in enumerate(reversed(text)))
    r = total % 11
    return 0 if r < 2 else 11 - r


_CNPJ_BASE_RE = re.compile(r"[0-9A-Z]{12}")


def cnpj_check_digits(base12: str) -> str:
    """The two check digits of a CNPJ from its first 12 characters (digits or, from 2026, A-Z)."""
    if not (isinstance(base12, str) and _CNPJ_BASE_RE.fullmatch(base12)):
        raise ValueError(f"The first 12 characters of a CNPJ are digits or capital letters, got {base12!r}")
    first = _mod11_digit(base12)
    second = _mod11_digit(f"{base12}{first}")
    return f"{first}{second}"


def is_valid_cnpj(text: str) -> bool:
    """True for a CNPJ, punctuated (`12.ABC.345/01DE-35`) or not, whose check digits match."""
    if not isinstance(text, str):
        return False
    plain = re.sub(r"[./-]", "", text.strip())
    if not re.fullmatch(r"[0-9A-Z]{12}[0-9]{2}", plain) or plain == "0" * 14:
        return False
    return cnpj_check_digits(plain[:12]) == plain[12:]


# --- NF-e access key (chave de acesso) ----------------------------------------

# cUF codes of the 27 units of the federation (IBGE).
_UF_CODES = frozenset(
    int(code)
    for code in "11 12 13 14 15 16 17 21 22 23 24 25 26 27 28 29 31 32 33 35 41 42 43 50 51 52 53".split()
)
# cUF 2, AAMM 4, CNPJ 14 (12 alphanumeric from 2026 + 2 check digits), then
# model 2, series 3, number 9, emission type 1 and code 8: all digits.
_NFE_BODY_RE = re.compile(r"[0-9]{6}[0-9A-Z]{12}[0-9]{25}")


def _nfe_body_problem(first43: str) -> str | None:
    if not isinstance(first43, str) or len(first43) != 43:
        return "it must have 43 characters before the check digit"
    if not _NFE_BODY_RE.fullmatch(first43):
        return "only the first 12 characters of the CNPJ (positions 7-18) may be letters; the rest are digits"
    if int(first43[:2]) not in _UF_CODES:
        return f"{first43[:2]} is not a state code (cUF)"
    if not 1 <= int(first43[4:6]) <= 12:
        return f"month {first43[4:6]} in the year-month field does not exist"
    return None


def nfe_check_digit(first43: str) -> int:
    """Check digit of an NF-e access key from its first 43 characters."""
    problem = _nfe_body_problem(first43)
    if problem:
        raise ValueError(f"Not an NF-e access key ({problem}): {first43!r}")
    return _mod11_digit(first43)


def is_valid_nfe_key(key: str) -> bool:
    """True for a 44-character access key with a matching check digit.

    Accepts the alphanumeric CNPJ of July 2026. Spaces (as printed on the DANFE)
    are not accepted here: strip them first.
    """
    if not isinstance(key, str) or len(key) != 44 or key[43] not in "0123456789":
        return False
    if _nfe_body_problem(key[:43]):
        return False
    return _mod11_digit(key[:43]) == int(key[43])


# --- Correios DataMatrix (SIGEP manual, Anexo 03) ----------------------------

DATAMATRIX_LENGTH = 164
_UNKNOWN_COORDINATE = "-00.000000"
_MANDATORY_SERVICE = "25"  # registro nacional: always the first additional service


def _digits_field(name: str, value: object, width: int, *, none_is_zero: bool = False) -> str:
    """A numeric field zero-padded on the left to `width`."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if value is None and none_is_zero:
        return "0" * width
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{name} cannot be negative, got {value}")
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise ValueError(f"{name} must be digits, got {type(value).__name__}")
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"{name} must be digits only, got {value!r}")
    if len(text) > width:
        raise ValueError(f"{name} {value!r} does not fit the DataMatrix: at most {width} digits")
    return text.zfill(width)


def _street_number(name: str, value: object) -> str:
    # "S/N" (sem número) is how Brazilian addresses say "no number".
    if value is None or (isinstance(value, str) and value.strip().upper() in {"", "S/N", "SN", "S N"}):
        return "00000"
    if isinstance(value, str) and not (value.strip().isascii() and value.strip().isdigit()):
        raise ValueError(
            f"{name} {value!r} is not a plain number: the DataMatrix holds 5 digits; "
            "pass the digits only (e.g. '123' for '123-A') or 'S/N'"
        )
    return _digits_field(name, value, 5)


def _text_field(name: str, value: object, width: int) -> str:
    """Space-padded text, reduced to printable ASCII the way Correios readers expect."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be text, got {type(value).__name__}")
    # Accents are dropped rather than refused: "São" reads as "Sao" on the scanner.
    ascii_text = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
    bad = sorted({c for c in ascii_text if not " " <= c <= "~"})
    if bad:
        raise ValueError(f"{name} {value!r} has characters the DataMatrix cannot carry: {''.join(bad)!r}")
    if len(ascii_text) > width:
        raise ValueError(
            f"{name} {value!r} is {len(ascii_text)} characters; the DataMatrix has room for {width}"
        )
    return ascii_text.ljust(width)


def _coordinate(name: str, value: float, limit: float) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number of degrees, got {value!r}")
    if not -limit <= value <= limit:
        raise ValueError(f"{name} {value} is outside -{limit}..{limit}")
    text = f"{value:010.6f}"
    if len(text) != 10:
        raise ValueError(f"{name} {value} does not fit the 10 characters of the DataMatrix (like -23.550520)")
    return text


def _additional_services(codes: Iterable[str]) -> str:
    if isinstance(codes, str):
        raise ValueError("additional_services is a list of 2-digit codes, e.g. ['01', '19']")
    services = [_MANDATORY_SERVICE]
    for code in codes:
        field = _digits_field("additional service", code, 2)
        if field != _MANDATORY_SERVICE and field not in services:
            services.append(field)
    if len(services) > 6:
        raise ValueError(f"At most 6 additional services fit the DataMatrix (25 included), got {services}")
    return "".join(services).ljust(12, "0")


def correios_datamatrix(
    *,
    destination_cep: str,
    destination_number: str | int | None,
    origin_cep: str,
    origin_number: str | int | None,
    tracking_code: str,
    posting_card: str | int,
    service_code: str | int,
    additional_services: Iterable[str] = (),
    complement: str = "",
    declared_value: int = 0,
    phone: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    free_field: str = "",
    idv: str = "51",
) -> str:
    """The 164-character content of the Correios 2D DataMatrix (SIGEP manual, Anexo 03).

    `destination_number` fills both street-number fields of the table
    (positions 9-13 and 72-76). `declared_value` is whole reais. `phone` is DDD
    plus number, punctuation allowed. Raises ValueError naming the field when a
    value cannot fit its fixed width.
    """
    dest_cep = normalize_cep(destination_cep)
    orig_cep = normalize_cep(origin_cep)
    dest_number = _street_number("destination_number", destination_number)
    if not is_valid_tracking_code(tracking_code):
        raise ValueError(f"{tracking_code!r} is not a valid Correios tracking code (e.g. PH297898690BR)")
    if not (isinstance(idv, str) and re.fullmatch(r"[0-9]{2}", idv)):
        raise ValueError(f"idv is 2 digits ('51' for a parcel), got {idv!r}")
    if (latitude is None) != (longitude is None):
        raise ValueError("Give both latitude and longitude, or neither")
    if latitude is None or longitude is None:
        coordinates = _UNKNOWN_COORDINATE * 2
    else:
        coordinates = _coordinate("latitude", latitude, 90) + _coordinate("longitude", longitude, 180)
    phone_text = (phone or "").strip()
    if phone_text.startswith("+55"):
        phone_text = phone_text[3:]  # the DataMatrix holds DDD + number only
    phone_digits = re.sub(r"[\s().-]", "", phone_text) or None

    content = "".join(
        (
            dest_cep,
            dest_number,
            orig_cep,
            _street_number("origin_number", origin_number),
            str(cep_check_digit(dest_cep)),
            idv,
            tracking_code,
            _additional_services(additional_services),
            _digits_field("posting_card", posting_card, 10),
            _digits_field("service_code", service_code, 5),
            "00",  # grouping
            dest_number,
            _text_field("complement", complement, 20),
            _digits_field("declared_value", declared_value, 5),
            _digits_field("phone", phone_digits, 12, none_is_zero=True),
            coordinates,
            "|",
            _text_field("free_field", free_field, 30),
        )
    )
    # A wrong width would shift every later field for the Correios reader.
    assert len(content) == DATAMATRIX_LENGTH, len(content)
    return content
