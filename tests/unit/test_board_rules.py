"""Carrier cut-offs, ship-by times and orders at risk: the day board's rules."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from wms.board.rules import DEFAULT_CUTOFF, Cutoff, Holiday, Risk, risk, ship_by, urgency

SP = ZoneInfo("America/Sao_Paulo")
MONDAY = date(2026, 12, 7)
WEEKDAYS_AT_16 = [Cutoff("correios", "", day, time(16, 0)) for day in range(5)]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SP)


def test_ship_by_is_the_carriers_cutoff_on_the_promised_day():
    assert ship_by(MONDAY, "correios", "pac", WEEKDAYS_AT_16, []) == at(MONDAY, 16)


def test_a_services_own_cutoff_wins_over_the_carriers():
    cutoffs = [*WEEKDAYS_AT_16, Cutoff("correios", "sedex", 0, time(18, 30))]
    assert ship_by(MONDAY, "Correios", "SEDEX", cutoffs, []) == at(MONDAY, 18, 30)
    assert ship_by(MONDAY, "correios", "pac", cutoffs, []) == at(MONDAY, 16)


def test_a_day_without_collection_moves_back_to_the_last_day_the_carrier_collects():
    saturday = MONDAY + timedelta(days=5)
    assert ship_by(saturday, "correios", None, WEEKDAYS_AT_16, []) == at(MONDAY + timedelta(days=4), 16)


def test_holidays_move_back_for_every_carrier_or_only_the_one_named():
    tuesday = MONDAY + timedelta(days=1)
    assert ship_by(tuesday, "correios", None, WEEKDAYS_AT_16, [Holiday(tuesday)]) == at(MONDAY, 16)
    assert ship_by(tuesday, "correios", None, WEEKDAYS_AT_16, [Holiday(tuesday, "jadlog")]) == at(tuesday, 16)


def test_an_unknown_carrier_collects_at_the_default_time_and_no_promise_has_no_ship_by():
    assert ship_by(MONDAY, "loggi", None, WEEKDAYS_AT_16, []) == at(MONDAY, DEFAULT_CUTOFF.hour)
    assert ship_by(None, "correios", None, WEEKDAYS_AT_16, []) is None


def test_an_order_past_its_cutoff_is_late_until_it_ships():
    deadline = at(MONDAY, 16)
    assert risk(deadline, at(MONDAY, 16, 1), "allocated") is Risk.LATE
    assert risk(deadline, at(MONDAY, 16, 1), "shipped") is Risk.ON_TRACK


def test_not_picked_two_hours_before_the_cutoff_is_at_risk_but_picked_is_not():
    deadline = at(MONDAY, 16)
    assert risk(deadline, at(MONDAY, 14, 30), "picking") is Risk.AT_RISK
    assert risk(deadline, at(MONDAY, 14, 30), "picked") is Risk.DUE_TODAY
    assert risk(deadline, at(MONDAY, 13, 30), "allocated") is Risk.DUE_TODAY
    assert risk(deadline, at(MONDAY, 13, 30), "released") is Risk.AT_RISK


def test_promised_later_is_on_track():
    assert risk(at(MONDAY + timedelta(days=1), 16), at(MONDAY, 9), "released") is Risk.ON_TRACK


def test_late_orders_come_first_then_at_risk_then_due_today_earliest_first():
    early, later = at(MONDAY, 12), at(MONDAY, 16)
    keys = sorted([urgency(Risk.DUE_TODAY, early, 1), urgency(Risk.LATE, later, 2), urgency(Risk.AT_RISK, early, 3),
                   urgency(Risk.LATE, early, 4), urgency(Risk.ON_TRACK, None, 5)])
    assert [key[2] for key in keys] == [4, 2, 3, 1, 5]
