"""Catalogue rules: pure functions."""
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from .models import Category

# First digit of an Anvisa registration → category (DOMAIN.md).
ANVISA_FIRST_DIGIT = {
    "1": Category.MEDICINE, "2": Category.COSMETIC, "3": Category.SANITIZER,
    "4": Category.FOOD, "5": Category.FOOD, "6": Category.FOOD, "8": Category.HEALTH_PRODUCT,
}


# A SKU is printed as a Code 128 on the product label when the product has no GTIN: ASCII letters, digits and
# "-", ".", "_", "/" only (what every scanner reads back the same and no keyboard wedge mangles), and at most 30
# of them, which fit the 100x50 mm product label at 203 dpi in Code 128 subset B (31 would be the most; the
# 50x25 label takes 13). Checked here for every new or renamed product (desk, CSV import, API).
SKU_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._/")
SKU_MAX = 30


def sku_problem(sku: str | None):
    """Why a SKU cannot be used, or None."""
    if not sku or len(sku) > SKU_MAX:
        return _l("A SKU is 1 to %(most)s characters.", most=SKU_MAX)
    bad = sorted(set(sku) - SKU_CHARACTERS)
    if bad:
        return _l("A SKU is letters, digits and - . _ / only (not %(bad)s): it is printed as a barcode.",
                  bad=" ".join(repr(c) for c in bad[:5]))
    return None


def anvisa_problem(registration: str | None, category: str) -> str | None:
    """Why a registration is not acceptable for the category, or None. No public check digit exists."""
    if not registration:
        return None
    if not (registration.isascii() and registration.isdigit() and len(registration) == 13):
        return _l("An Anvisa registration is 13 digits (got %(reg)s).", reg=registration)
    expected = ANVISA_FIRST_DIGIT.get(registration[0])
    if expected is None:
        return _l("Anvisa registration %(reg)s starts with an unknown digit.", reg=registration)
    if category != Category.OTHER and expected != category:
        return _l("Anvisa registration %(reg)s is for a %(expected)s, but the product is a %(category)s.",
                  reg=registration, expected=expected.value, category=category)
    return None


def remaining_shelf_life_days(expires_on: date | None, today: date) -> int | None:
    return None if expires_on is None else (expires_on - today).days


def meets_shelf_life(expires_on: date | None, today: date, minimum_days: int) -> bool:
    """True when the lot may still be sold with at least `minimum_days` left (no expiry: always)."""
    if expires_on is None:
        return True
    return expires_on >= today + timedelta(days=max(minimum_days, 0)) and expires_on >= today
