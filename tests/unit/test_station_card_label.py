"""The station card label (printers/kinds.py station_card) and the rule of which cards a desk form chose."""
import pytest

from printers.label_fields import LabelDataError
from printers.zpl import SIZES, available_sizes, render_label
from wms.errors import DomainError
from wms.printing.rules import MAX_CARDS, chosen_cards


@pytest.mark.parametrize("size", list(SIZES))
def test_a_card_is_one_label_with_its_code_as_code_128_in_every_size(size):
    zpl = render_label("station_card", {"code": "FINISH", "caption": "Finishes the count."}, size=size)
    assert zpl.count("^XA") == 1 and zpl.count("^XZ") == 1
    assert "^BCN," in zpl and "^FH_^FD>:FINISH^FS" in zpl  # Code 128 subset B, as the scanner reads it
    assert "^FH_^FDFINISH^FS" in zpl  # and the code in letters, for people
    assert ("Finishes the count." in zpl) == (size != "50x25")  # no room for the caption on the smallest
    assert size in available_sizes("station_card")


def test_the_caption_and_the_code_are_escaped():
    zpl = render_label("station_card", {"code": "ZB>DOCK_1~", "caption": "Imprime na ^XA São Paulo_"},
                       size="100x50")
    assert zpl.count("^XA") == 1
    assert "^FH_^FDImprime na _5EXA S_C3_A3o Paulo_5F^FS" in zpl
    assert "^FH_^FD>:ZB>0DOCK_5F1_7E^FS" in zpl  # `>` doubled for ^BC, then `_` and `~` escaped for ZPL
    assert "^FH_^FDZB>DOCK_5F1_7E^FS" in zpl


@pytest.mark.parametrize("data, key", [({"code": ""}, "code"), ({"code": "São"}, "code"), ({"caption": "x"}, "code"),
                                       ({"code": "MENU", "extra": 1}, "extra")])
def test_a_card_that_cannot_be_printed_says_which_key(data, key):
    with pytest.raises(LabelDataError, match=f"'{key}'"):
        render_label("station_card", data, size="100x50")


KNOWN = ["MENU", "CLOSE", "FINISH", "ZB-1"]


def test_the_chosen_cards_come_once_each_in_the_pages_order():
    assert chosen_cards(["ZB-1", "FINISH", "", "ZB-1", "MENU"], KNOWN) == ["MENU", "FINISH", "ZB-1"]


@pytest.mark.parametrize("codes, message", [
    ([], "Choose at least one card"), ([""], "Choose at least one card"), (["finish"], "finish is not a station card"),
    (["MENU", "X" * 200], "X" * 60 + " is not"), ([f"C{i}" for i in range(MAX_CARDS + 1)], "at most 60 cards"),
])
def test_no_card_an_unknown_one_or_too_many_is_refused(codes, message):
    with pytest.raises(DomainError, match=message):
        chosen_cards(codes, KNOWN + [f"C{i}" for i in range(MAX_CARDS + 1)])
