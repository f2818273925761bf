"""Random moves, adjustments, counts and decisions on a small warehouse. After every step, computed here from
the raw tables (not by the service's own check):
- per product and lot, the stock on hand in physical places plus the ledger balances of the virtual places
  (supplier, customer, adjustment, scrap) is zero: every unit that came in is somewhere;
- every stock item equals the ledger balance of its (location, product, lot, LPN), and no ledger key of a
  physical place lacks its stock item;
- no physical quantity is negative and no reservation exceeds its quantity;
- the desk's stock summary equals the stock items (supervisors block places; the summary is folded now and then).
The run counts its operations: at least 30 % of them must succeed, or the laws were only checked on refusals.
`test_the_laws_catch_a_unit_that_appears_without_a_move` shows the checks can fail."""
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select, update

from tests.conftest import empty_database
from tests.factories import build_world, receive
from wms.errors import DomainError
from wms.extensions import db
from wms.inventory import services as inventory
from wms.inventory import summary
from wms.inventory.models import Adjustment, Move, StockItem
from wms.locations import services as locations
from wms.locations.models import VIRTUAL_KINDS, Location

BINS = ["DOCK", "A-01-01-1", "A-01-01-2", "A-02-03-2", "Q-01"]
GOODS = [("BOTTLE", None), ("MED", "L-LATE"), ("MED", "L-SOON"), ("MED", "L-OLD")]


def ledger_by_key() -> dict[tuple[int, int, int | None, int | None], int]:
    """(location, product, lot, lpn) -> units moved in minus units moved out, from the moves alone."""
    balance: dict[tuple, int] = defaultdict(int)
    for move in db.session.execute(select(Move.from_location_id, Move.to_location_id, Move.from_lpn_id,
                                          Move.to_lpn_id, Move.product_id, Move.lot_id, Move.quantity)):
        balance[(move.to_location_id, move.product_id, move.lot_id, move.to_lpn_id)] += move.quantity
        balance[(move.from_location_id, move.product_id, move.lot_id, move.from_lpn_id)] -= move.quantity
    return balance


def check_the_laws() -> None:
    virtual = set(db.session.scalars(select(Location.id).where(
        Location.kind.in_([kind.value for kind in VIRTUAL_KINDS]))))
    assert virtual, "the warehouse has its virtual places"
    ledger = ledger_by_key()
    items = list(db.session.scalars(select(StockItem)))
    physical_items = [i for i in items if i.location_id not in virtual]
    # no negative physical quantity, no reservation above its quantity
    assert [i.key for i in physical_items if i.quantity < 0 or i.reserved > i.quantity or i.reserved < 0] == []
    assert [key for key, units in ledger.items() if key[0] not in virtual and units < 0] == []
    # every stock item equals its ledger, and every physical ledger key with units has its stock item
    on_hand = {(i.location_id, i.product_id, i.lot_id, i.lpn_id): i.quantity for i in physical_items}
    assert {key: units for key, units in on_hand.items() if units != ledger.get(key, 0)} == {}
    assert [key for key, units in ledger.items() if key[0] not in virtual and units and key not in on_hand] == []
    # conservation per product and lot over all places, the virtual ones included
    total: dict[tuple[int, int | None], int] = defaultdict(int)
    for (_location, product, lot, _lpn), units in on_hand.items():
        total[(product, lot)] += units
    for (location, product, lot, _lpn), units in ledger.items():
        if location in virtual:
            total[(product, lot)] += units
    assert {good: units for good, units in total.items() if units} == {}
    # the service's own check agrees
    assert inventory.stock_mismatches() == []
    # the desk's stock summary equals the items, deltas pending or folded (wms.inventory.summary)
    assert summary.drift() == []


@pytest.fixture
def machine_app(app):
    InventoryMachine.app = app
    InventoryMachine.tried = InventoryMachine.succeeded = 0
    yield
    InventoryMachine.app = None


class InventoryMachine(RuleBasedStateMachine):
    app = None
    tried = succeeded = 0

    @initialize()
    def setup(self):
        self.ctx = self.app.app_context()
        self.ctx.push()
        empty_database()
        from wms.auth import services as auth

        self.worker = auth.create_user("w", role="worker", pin="1111").id
        self.supervisor = auth.create_user("s", role="supervisor", password="s").id
        self.world = build_world()
        receive(self.world, "BOTTLE", "DOCK", 50)
        for lot in ("L-LATE", "L-SOON", "L-OLD"):
            receive(self.world, "MED", "DOCK", 40, lot)

    def teardown(self):
        if getattr(self, "ctx", None) is not None:
            db.session.remove()
            self.ctx.pop()

    def _ids(self, good):
        sku, lot = good
        return self.world.products[sku].id, (self.world.lots[lot].id if lot else None)

    def _try(self, operation, **arguments) -> None:
        type(self).tried += 1
        try:
            operation(**arguments)
        except DomainError:
            db.session.rollback()
        else:
            type(self).succeeded += 1

    @rule(data=st.data(), dest=st.sampled_from(BINS), share=st.integers(min_value=-5, max_value=120))
    def move(self, data, dest, share):
        """Move part of what is somewhere (a share in %: below 1 or above 100 is refused)."""
        bins = [self.world.loc[code].id for code in BINS]
        items = list(db.session.scalars(select(StockItem).where(
            StockItem.location_id.in_(bins), StockItem.quantity > 0, StockItem.lpn_id.is_(None))
            .order_by(StockItem.id)))
        if not items:
            return
        item = data.draw(st.sampled_from(items))
        quantity = item.quantity * share // 100 if share > 0 else share
        self._try(inventory.move_stock, product_id=item.product_id, lot_id=item.lot_id,
                  source_id=item.location_id, target_id=self.world.loc[dest].id, quantity=quantity,
                  user_id=self.worker)

    @rule(good=st.sampled_from(GOODS), where=st.sampled_from(BINS), delta=st.integers(-30, 30),
          supervisor=st.booleans())
    def adjust(self, good, where, delta, supervisor):
        product_id, lot_id = self._ids(good)
        self._try(inventory.adjust_stock, location_id=self.world.loc[where].id, product_id=product_id,
                  lot_id=lot_id, delta=delta, reason="correction",
                  user_id=self.supervisor if supervisor else self.worker)

    @rule(where=st.sampled_from(BINS), counts=st.lists(st.tuples(st.sampled_from(GOODS), st.integers(0, 60)),
                                                        max_size=3))
    def count(self, where, counts):
        task = inventory.open_count(self.world.loc[where].id, user_id=self.worker)
        counted = {}
        for good, qty in counts:
            product_id, lot_id = self._ids(good)
            counted[(product_id, lot_id, None)] = qty
        self._try(inventory.submit_count, task_id=task.id, counted=counted, user_id=self.worker)

    @rule(where=st.sampled_from(BINS), blocked=st.booleans())
    def block(self, where, blocked):
        """A supervisor blocks or unblocks a place (its units change side in the stock summary)."""
        self._try(locations.set_blocked, location_id=self.world.loc[where].id, blocked=blocked, reason="inspection")

    @rule()
    def fold_the_summary(self):
        type(self).tried += 1
        summary.compact()
        db.session.commit()
        type(self).succeeded += 1

    @rule(approve=st.booleans())
    def decide_everything_pending(self, approve):
        for adjustment_id in list(db.session.scalars(select(Adjustment.id).where(Adjustment.status == "pending"))):
            self._try(inventory.decide_adjustment, adjustment_id=adjustment_id, approve=approve,
                      user_id=self.supervisor, note="checked")

    @invariant()
    def the_laws_hold(self):
        if getattr(self, "world", None) is None:
            return
        check_the_laws()


@pytest.mark.usefixtures("machine_app")
def test_stock_model_laws_hold_under_random_operations():
    state = InventoryMachine.TestCase
    state.settings = settings(max_examples=10, stateful_step_count=15, deadline=None, database=None,
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    state().runTest()
    assert InventoryMachine.tried >= 30
    assert InventoryMachine.succeeded >= 0.3 * InventoryMachine.tried, (
        f"only {InventoryMachine.succeeded} of {InventoryMachine.tried} operations succeeded")


@pytest.mark.parametrize("corrupt", ["item_without_move", "move_without_item", "summary_without_item"])
def test_the_laws_catch_a_unit_that_appears_without_a_move(ctx, corrupt):
    world = build_world()
    receive(world, "MED", "A-01-01-1", 10, "L-LATE")
    check_the_laws()
    item = db.session.scalar(select(StockItem))
    if corrupt == "item_without_move":
        db.session.execute(update(StockItem).where(StockItem.id == item.id).values(quantity=11))
    elif corrupt == "summary_without_item":
        summary.compact()
        db.session.execute(update(summary.StockSummaryLot).values(on_hand=11))
    else:
        db.session.add(Move(product_id=item.product_id, lot_id=item.lot_id, from_location_id=item.location_id,
                            to_location_id=world.loc["A-01-01-2"].id, quantity=3, reason="move"))
    db.session.flush()
    with pytest.raises(AssertionError):
        check_the_laws()
