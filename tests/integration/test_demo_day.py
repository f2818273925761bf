"""The demo warehouse has something on every screen of the back half of the day (README's promise)."""
from sqlalchemy import select

from wms import demo
from wms.extensions import db
from wms.inventory import services as inventory
from wms.orders.models import Order
from wms.recall import trace
from wms.recall.models import Recall
from wms.returns.models import Rma
from wms.shipping.models import MarketplaceLabel, Shipment


def test_the_demo_ships_returns_recalls_and_has_a_marketplace_label(ctx, tmp_path, app):
    app.config["WMS_LABEL_DIR"] = str(tmp_path)
    demo.load()
    shipped = db.session.scalar(select(Order).where(Order.channel_order_id == "LOJA-0990"))
    assert shipped.status == "shipped" and shipped.tracking_code
    shipment = db.session.scalar(select(Shipment).where(Shipment.order_id == shipped.id))
    assert shipment.tracking_code == shipped.tracking_code and shipment.shipped_at is not None
    assert db.session.scalar(select(Rma).where(Rma.order_id == shipped.id)) is not None
    recall = db.session.scalar(select(Recall))
    recipients = trace.trace(recall.lot_id).recipients
    assert [r.order_id for r in recipients] == [shipped.id]
    marketplace = db.session.scalar(select(Order).where(Order.channel_order_id == "MLB-2009"))
    assert db.session.scalar(select(MarketplaceLabel).where(MarketplaceLabel.order_id == marketplace.id))
    assert marketplace.status == "allocated"
    assert inventory.stock_mismatches() == []
