"""Location codes, ranges of shelving and where a picker stands: pure rules."""
import pytest

from wms.locations.rules import StorageAddress, expand_range, location_code, parse_location_code, walk_point


@pytest.mark.parametrize(("parts", "code"), [
    (("A", 3, 12, 2, "B"), "A-03-12-2-B"),  # DOMAIN.md's example
    (("A", 3, 12, 2, None), "A-03-12-2"),
    (("mz1", 1, 1, 1, "c"), "MZ1-01-01-1-C"),
    (("B", 99, 99, 9, None), "B-99-99-9"),
])
def test_location_code_is_zero_padded_and_upper_case(parts, code):
    assert location_code(*parts) == code


def test_a_storage_address_knows_its_code():
    assert StorageAddress("A", 3, 12, 2, "B").code == "A-03-12-2-B"


@pytest.mark.parametrize("code", ["A-03-12-2-B", "A-03-12-2", "MZ1-01-01-1-C", "B-99-99-9"])
def test_parse_is_the_inverse_of_location_code(code):
    address = parse_location_code(code)
    assert address is not None and address.code == code


def test_parse_reads_each_part_and_forgives_case_and_blanks():
    assert parse_location_code("  a-03-12-2-b ") == StorageAddress("A", 3, 12, 2, "B")


@pytest.mark.parametrize("code", ["DOCK-01", "Q-01", "A-3-12-2", "A-03-12-10", "A-03-12-2-BB", "ZONE5-01-01-1",
                                  "A-03-12", "", "A_03_12_2"])
def test_codes_that_are_not_shelving_addresses_parse_to_none(code):
    assert parse_location_code(code) is None


def test_a_range_goes_aisle_by_aisle_bay_by_bay_level_by_level():
    codes = [a.code for a in expand_range("a", (1, 2), (1, 2), (1, 2))]
    assert codes == [
        "A-01-01-1", "A-01-01-2", "A-01-02-1", "A-01-02-2",
        "A-02-01-1", "A-02-01-2", "A-02-02-1", "A-02-02-2",
    ]


def test_positions_multiply_the_range():
    codes = [a.code for a in expand_range("B", (3, 3), (10, 11), (1, 3), positions="ab")]
    assert len(codes) == 1 * 2 * 3 * 2
    assert codes[:3] == ["B-03-10-1-A", "B-03-10-1-B", "B-03-10-2-A"]
    assert codes[-1] == "B-03-11-3-B"


def test_a_single_bin_range():
    assert [a.code for a in expand_range("C", (5, 5), (7, 7), (4, 4))] == ["C-05-07-4"]


@pytest.mark.parametrize(("zone", "aisles", "bays", "levels", "positions"), [
    ("", (1, 1), (1, 1), (1, 1), ""),  # no zone
    ("ABCDE", (1, 1), (1, 1), (1, 1), ""),  # zone too long
    ("A-", (1, 1), (1, 1), (1, 1), ""),  # not a letter or digit
    ("A", (0, 1), (1, 1), (1, 1), ""),  # aisles start at 1
    ("A", (2, 1), (1, 1), (1, 1), ""),  # first after last
    ("A", (1, 100), (1, 1), (1, 1), ""),  # two digits only
    ("A", (1, 1), (1, 100), (1, 1), ""),
    ("A", (1, 1), (1, 1), (1, 10), ""),  # one digit for levels
    ("A", (1, 1), (1, 1), (1, 1), "A1"),  # positions are letters
])
def test_impossible_ranges_are_refused(zone, aisles, bays, levels, positions):
    with pytest.raises(ValueError):
        list(expand_range(zone, aisles, bays, levels, positions))


def test_walk_point_is_the_middle_of_the_bay_in_front_of_its_aisle():
    assert walk_point(1, 1, 1.0) == (0, 0.5)
    aisle, metres = walk_point(3, 12, 1.2)
    assert aisle == 2
    assert metres == pytest.approx(13.8)


def test_walk_points_of_neighbouring_bays_are_one_bay_width_apart():
    _, first = walk_point(4, 7, 2.5)
    _, second = walk_point(4, 8, 2.5)
    assert second - first == pytest.approx(2.5)
