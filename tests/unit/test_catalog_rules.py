"""Anvisa registrations and shelf life: pure rules."""
from datetime import date, timedelta

import pytest

from wms.catalog.models import Category
from wms.catalog.rules import ANVISA_FIRST_DIGIT, anvisa_problem, meets_shelf_life, remaining_shelf_life_days

# DOMAIN.md: first digit 1 medicines, 2 cosmetics, 3 sanitizers, 4–6 foods, 8 health products.
DOMAIN_TABLE = [
    ("1", Category.MEDICINE), ("2", Category.COSMETIC), ("3", Category.SANITIZER), ("4", Category.FOOD),
    ("5", Category.FOOD), ("6", Category.FOOD), ("8", Category.HEALTH_PRODUCT),
]


def registration(first: str) -> str:
    return first + "055300010011"[:12]


def test_the_first_digit_table_is_the_one_in_domain_md():
    assert dict(DOMAIN_TABLE) == ANVISA_FIRST_DIGIT


@pytest.mark.parametrize(("first", "category"), DOMAIN_TABLE)
def test_a_registration_fits_the_category_its_first_digit_names(first, category):
    assert anvisa_problem(registration(first), category.value) is None


@pytest.mark.parametrize(("first", "category"), DOMAIN_TABLE)
def test_any_known_first_digit_is_accepted_for_an_uncategorised_product(first, category):
    assert anvisa_problem(registration(first), Category.OTHER.value) is None


def test_a_medicine_registration_on_a_cosmetic_is_refused_and_says_why():
    problem = anvisa_problem("1055300010011", Category.COSMETIC.value)
    assert problem is not None
    assert "1055300010011" in str(problem) and "medicine" in str(problem) and "cosmetic" in str(problem)


@pytest.mark.parametrize("first", ["0", "7", "9"])
def test_first_digits_anvisa_does_not_use_are_refused(first):
    problem = anvisa_problem(registration(first), Category.OTHER.value)
    assert problem is not None and "unknown digit" in str(problem)


@pytest.mark.parametrize("value", ["105530001001", "10553000100111", "1O55300010011", "1055-300010011", " 105530001001"])
def test_a_registration_is_exactly_13_digits(value):
    problem = anvisa_problem(value, Category.MEDICINE.value)
    assert problem is not None and "13 digits" in str(problem)


@pytest.mark.parametrize("value", [None, ""])
def test_no_registration_is_no_problem(value):
    assert anvisa_problem(value, Category.MEDICINE.value) is None


TODAY = date(2026, 6, 15)


def test_remaining_shelf_life_counts_days_and_goes_negative_when_expired():
    assert remaining_shelf_life_days(date(2026, 6, 25), TODAY) == 10
    assert remaining_shelf_life_days(TODAY, TODAY) == 0
    assert remaining_shelf_life_days(date(2026, 6, 10), TODAY) == -5
    assert remaining_shelf_life_days(None, TODAY) is None


def test_a_lot_without_expiry_always_meets_the_shelf_life():
    assert meets_shelf_life(None, TODAY, 365)


def test_exactly_the_minimum_shelf_life_is_enough_one_day_less_is_not():
    assert meets_shelf_life(TODAY + timedelta(days=90), TODAY, 90)
    assert not meets_shelf_life(TODAY + timedelta(days=89), TODAY, 90)


def test_expiring_today_is_still_sellable_without_a_minimum_but_yesterday_is_not():
    assert meets_shelf_life(TODAY, TODAY, 0)
    assert not meets_shelf_life(TODAY - timedelta(days=1), TODAY, 0)


def test_a_negative_minimum_never_lets_an_expired_lot_through():
    assert not meets_shelf_life(TODAY - timedelta(days=3), TODAY, -10)
