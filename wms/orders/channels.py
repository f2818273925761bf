"""Sales channels as data: the store's site, each marketplace, each physical shop.

An order names its channel by code (`Order.channel`); an unknown code is refused (422). A channel's minimum
remaining shelf life is kept as its `ChannelRule` rows (for every category, or for one). A transfer to a shop is an
order of the shop's channel whose ship-to is the shop.
"""
from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..dbtypes import UTCDateTime, utcnow
from ..extensions import db
from ..uow import use_case


class ChannelKind(StrEnum):
    SITE = "site"
    MARKETPLACE = "marketplace"
    SHOP = "shop"  # a physical shop

    @property
    def label(self):
        return {ChannelKind.SITE: _l("site"), ChannelKind.MARKETPLACE: _l("marketplace"),
                ChannelKind.SHOP: _l("physical shop")}[self]


class Channel(db.Model):
    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(12), default=ChannelKind.SITE.value)
    nfe_required: Mapped[bool] = mapped_column(default=True)
    # The marketplace prints the label (its own logistics): we only pack and hand over.
    marketplace_label: Mapped[bool] = mapped_column(default=False)
    # The last time of day an order is promised to leave the same day (warehouse time); None: no cut-off.
    carrier_cutoff: Mapped[time | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Channel {self.code}>"


# The channels every installation starts with (the codes orders used before channels were data).
DEFAULTS = (
    {"code": "site", "name": "Loja virtual", "kind": "site", "nfe_required": True, "marketplace_label": False},
    {"code": "marketplace", "name": "Marketplace", "kind": "marketplace", "nfe_required": True,
     "marketplace_label": False},
    {"code": "shop", "name": "Loja física", "kind": "shop", "nfe_required": True, "marketplace_label": False},
)


def by_code(code: str | None) -> Channel | None:
    if not isinstance(code, str) or not code:
        return None
    return db.session.scalar(select(Channel).where(Channel.code == code))


def codes() -> list[str]:
    return list(db.session.scalars(select(Channel.code).where(Channel.active.is_(True)).order_by(Channel.code)))


@use_case
def seed_defaults() -> int:
    """Add the default channels that are missing (in the caller's unit of work); how many were added."""
    have = set(db.session.scalars(select(Channel.code)))
    added = 0
    for values in DEFAULTS:
        if values["code"] not in have:
            db.session.add(Channel(**values))
            added += 1
    db.session.flush()
    return added
