"""Random moves, adjustments and counts: afterwards every stock item equals its ledger sum, none is
negative, reservations stay within quantities, and the ledger balances to zero (every unit is somewhere)."""
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select

from tests.conftest import empty_database
from tests.factories import build_world, receive
from wms.errors import DomainError
from wms.extensions import db
from wms.inventory import services as inventory
from wms.inventory.models import Move, StockItem

BINS = ["DOCK", "A-01-01-1", "A-01-01-2", "A-02-03-2", "Q-01"]
GOODS = [("BOTTLE", None), ("MED", "L-LATE"), ("MED", "L-SOON"), ("MED", "L-OLD")]


@pytest.fixture
def machine_app(app):
    InventoryMachine.app = app
    yield
    InventoryMachine.app = None


class InventoryMachine(RuleBasedStateMachine):
    app = None

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

    @rule(good=st.sampled_from(GOODS), source=st.sampled_from(BINS), dest=st.sampled_from(BINS),
          qty=st.integers(min_value=-2, max_value=60))
    def move(self, good, source, dest, qty):
        product_id, lot_id = self._ids(good)
        try:
            inventory.move_stock(product_id=product_id, lot_id=lot_id, source_id=self.world.loc[source].id,
                                 target_id=self.world.loc[dest].id, quantity=qty, user_id=self.worker)
        except DomainError:
            db.session.rollback()

    @rule(good=st.sampled_from(GOODS), where=st.sampled_from(BINS), delta=st.integers(-30, 30),
          supervisor=st.booleans())
    def adjust(self, good, where, delta, supervisor):
        product_id, lot_id = self._ids(good)
        try:
            inventory.adjust_stock(location_id=self.world.loc[where].id, product_id=product_id, lot_id=lot_id,
                                   delta=delta, reason="correction",
                                   user_id=self.supervisor if supervisor else self.worker)
        except DomainError:
            db.session.rollback()

    @rule(where=st.sampled_from(BINS), counts=st.lists(st.tuples(st.sampled_from(GOODS), st.integers(0, 60)),
                                                        max_size=3))
    def count(self, where, counts):
        task = inventory.open_count(self.world.loc[where].id, user_id=self.worker)
        counted = {}
        for good, qty in counts:
            product_id, lot_id = self._ids(good)
            counted[(product_id, lot_id, None)] = qty
        try:
            inventory.submit_count(task.id, counted, user_id=self.worker)
        except DomainError:
            db.session.rollback()

    @rule()
    def approve_everything_pending(self):
        from wms.inventory.models import Adjustment

        for adjustment_id in db.session.scalars(select(Adjustment.id).where(Adjustment.status == "pending")):
            try:
                inventory.decide_adjustment(adjustment_id, approve=True, user_id=self.supervisor,
                                            note="checked")
            except DomainError:
                db.session.rollback()

    @invariant()
    def items_equal_the_ledger(self):
        if getattr(self, "world", None) is None:
            return
        assert inventory.stock_mismatches() == []

    @invariant()
    def nothing_negative_and_ledger_balances(self):
        if getattr(self, "world", None) is None:
            return
        assert db.session.scalar(select(func.count()).select_from(StockItem).where(
            (StockItem.quantity < 0) | (StockItem.reserved > StockItem.quantity))) == 0
        into = dict(db.session.execute(select(Move.to_location_id, func.sum(Move.quantity))
                                       .group_by(Move.to_location_id)).all())
        out = dict(db.session.execute(select(Move.from_location_id, func.sum(Move.quantity))
                                      .group_by(Move.from_location_id)).all())
        assert sum(into.values()) == sum(out.values())


@pytest.mark.usefixtures("machine_app")
def test_stock_model_laws_hold_under_random_operations():
    state = InventoryMachine.TestCase
    state.settings = settings(max_examples=12, stateful_step_count=15, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    state().runTest()
