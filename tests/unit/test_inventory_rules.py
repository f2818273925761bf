"""Where stock may go: the destination rule every move (a worker's move, a put-away, a replenishment) obeys."""
from datetime import date

from wms.inventory import rules
from wms.locations.models import LocationKind, Mixing

TODAY = date(2025, 6, 1)


def face(**overrides) -> rules.Destination:
    values = dict(code="A-01-02-1", kind=LocationKind.PICK_FACE, active=True, blocked=False, mixing=Mixing.MIXED,
                  capacity_units=None, units_now=0, products_now=frozenset(), lots_now=frozenset())
    return rules.Destination(**{**values, **overrides})


def goods(product_id=2, sku="BOTTLE") -> rules.Goods:
    return rules.Goods(product_id=product_id, sku=sku, lot_id=None, lot_code=None, lot_status=None, expires_on=None,
                       quantity=10)


def test_a_face_slotted_for_another_product_refuses_the_goods():
    problem = rules.destination_problem(face(slot_product_id=1, slot_sku="MED"), goods(), TODAY)
    assert str(problem) == "A-01-02-1 is the pick face of MED: put BOTTLE somewhere else."


def test_a_face_slotted_for_the_product_or_for_nothing_takes_it():
    assert rules.destination_problem(face(slot_product_id=2, slot_sku="BOTTLE"), goods(), TODAY) is None
    assert rules.destination_problem(face(), goods(), TODAY) is None
