"""Carrier tracking through the use case, on SQLite and PostgreSQL: an event is stored once, a late older event
never moves the shipment back, a shipment of two boxes is delivered when both are, and each change of status
writes `shipment.tracking` to the outbox in the same transaction."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.shipping_helpers import shipped_order, shipping_world
from wms.errors import DomainError, NotFound
from wms.events import Event
from wms.extensions import db
from wms.shipping import tracking
from wms.shipping.models import Shipment, TrackingEvent
from wms.uow import unit_of_work


@pytest.fixture
def world(ctx, tmp_path):
    return shipping_world(tmp_path)


def at(hour: int, day: int = 4) -> datetime:
    return datetime(2026, 12, day, hour, 0, tzinfo=UTC)


def shipment_of(order_id: int) -> Shipment:
    db.session.expire_all()
    return db.session.scalar(select(Shipment).where(Shipment.order_id == order_id))


def tracking_events() -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.kind == "shipment.tracking").order_by(Event.id)))


def test_the_same_event_twice_is_stored_once(world):
    shipment = shipment_of(shipped_order())
    code = shipment.tracking_code
    first = tracking.record_event(tracking_code=code.lower(), code="RO", type="1", occurred_at=at(9),
                                  description="Objeto em trânsito", location="CTE Cajamar - SP")
    again = tracking.record_event(tracking_code=code, code="ro", type="01", occurred_at=at(9))
    db.session.commit()
    assert first.created and first.status_changed and first.shipment_status == "in_transit"
    assert not again.created and not again.status_changed and again.event.id == first.event.id
    assert again.event.description == "Objeto em trânsito"  # the stored one, not the resent text
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 1
    assert len(tracking_events()) == 1


def test_an_older_event_arriving_late_does_not_move_the_shipment_back(world):
    order_id = shipped_order()
    code = shipment_of(order_id).tracking_code
    tracking.record_event(tracking_code=code, code="OEC", type="01", occurred_at=at(8))
    late = tracking.record_event(tracking_code=code, code="RO", type="01", occurred_at=at(7, day=3))
    db.session.commit()
    assert late.created and not late.status_changed
    assert shipment_of(order_id).status == "out_for_delivery"
    assert [e.payload["status"] for e in tracking_events()] == ["out_for_delivery"]
    assert [e.code for e in tracking.history(shipment_of(order_id).id)] == ["OEC", "RO"]


def test_a_shipment_of_two_boxes_is_delivered_when_both_are(world):
    order_id = shipped_order(2)
    shipment = shipment_of(order_id)
    first, second = (p.tracking_code for p in shipment.packages)
    assert first != second
    tracking.record_event(tracking_code=first, code="BDE", type="01", occurred_at=at(10))
    db.session.commit()
    assert shipment_of(order_id).status == "posted"  # the second box has told nothing yet
    tracking.record_event(tracking_code=second, code="OEC", type="01", occurred_at=at(9))
    db.session.commit()
    assert shipment_of(order_id).status == "out_for_delivery"
    tracking.record_event(tracking_code=second, code="BDE", type="01", occurred_at=at(11))
    db.session.commit()
    assert shipment_of(order_id).status == "delivered"
    assert [e.payload["status"] for e in tracking_events()] == ["out_for_delivery", "delivered"]


def test_each_change_writes_shipment_tracking_in_the_same_transaction(world):
    order_id = shipped_order()
    code = shipment_of(order_id).tracking_code
    with pytest.raises(RuntimeError), unit_of_work():
        tracking.record_event(tracking_code=code, code="BDE", type="02", occurred_at=at(12),
                              description="Carteiro não atendido", location="CDD Centro")
        raise RuntimeError("the request failed after the use case")
    assert tracking_events() == [] and shipment_of(order_id).status == "posted"
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 0
    tracking.record_event(tracking_code=code, code="BDE", type="02", occurred_at=at(12),
                          description="Carteiro não atendido", location="CDD Centro")
    db.session.commit()
    [event] = tracking_events()
    payload = event.payload
    assert payload["status"] == "failed_attempt" and payload["tracking_code"] == code
    assert (payload["order_id"], payload["code"], payload["type"]) == (order_id, "BDE", "02")
    assert payload["description"] == "Carteiro não atendido" and payload["location"] == "CDD Centro"
    assert payload["customer"] == {"name": "Maria Silva", "email": payload["customer"]["email"]}
    assert payload["locale"] == "pt_BR" and payload["occurred_at"].startswith("2026-12-04T12:00:00")
    assert set(payload) >= {"channel", "channel_order_id"}


def test_an_unknown_tracking_code_and_a_final_code_without_its_type_are_refused(world):
    order_id = shipped_order()
    code = shipment_of(order_id).tracking_code
    with pytest.raises(NotFound):
        tracking.record_event(tracking_code="XX000000000BR", code="PO", occurred_at=at(8))
    with pytest.raises(DomainError, match="needs its type"):
        tracking.record_event(tracking_code=code, code="BDE", occurred_at=at(8))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 0
    assert shipment_of(order_id).status == "posted"
