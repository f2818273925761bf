"""The desk's put-away rules: product (by SKU) or category (or anything) → zone and location type, tried by
priority, lowest first.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..catalog.models import Category
from ..errors import DomainError, NotFound
from ..extensions import db
from ..locations import services as locations
from ..locations.models import LocationKind, Zone
from ..uow import use_case
from . import rules
from .asns import product_for
from .models import (
    PutawayRule,
)

STORAGE_KINDS = (LocationKind.RESERVE, LocationKind.PICK_FACE, LocationKind.STAGING, LocationKind.QUARANTINE)


def rule_specs(warehouse_id: int) -> list[rules.RuleSpec]:
    rows = db.session.execute(
        select(PutawayRule, Zone.code).outerjoin(Zone, Zone.id == PutawayRule.zone_id)
        .where(PutawayRule.warehouse_id == warehouse_id, PutawayRule.active.is_(True))).all()
    return [rules.RuleSpec(rule.id, rule.priority, rule.location_kind, rule.product_id, rule.category, zone)
            for rule, zone in rows]


@use_case
def save_rule(*, rule_id: int | None = None, priority: int, location_kind: str, sku: str | None = None,
              category: str | None = None, zone: str | None = None, active: bool = True,
              note: str | None = None, user_id: int | None) -> PutawayRule:
    """Add or change a put-away rule: product (by SKU) or category (or neither: anything) → zone and location
    type, tried by priority, lowest first."""
    warehouse = locations.default_warehouse()
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 9999:
        raise DomainError(_l("The priority is a whole number from 0 to 9999 (lowest is tried first)."))
    if location_kind not in {k.value for k in STORAGE_KINDS}:
        raise DomainError(_l("Put-away goes to a reserve, pick face, staging or quarantine location."))
    sku, category, zone = rules.plain_text(sku), rules.plain_text(category), rules.plain_text(zone).upper()
    product = None
    if sku:
        product = product_for(sku)
        if product is None:
            raise DomainError(_l("Unknown product %(code)s.", code=sku[:64]))
    if category:
        if product is not None:
            raise DomainError(_l("A rule is for one product or for one category, not both."))
        if category not in {c.value for c in Category}:
            raise DomainError(_l("Unknown category %(category)s.", category=category))
    zone_row = None
    if zone:
        zone_row = db.session.scalar(select(Zone).where(Zone.warehouse_id == warehouse.id, Zone.code == zone))
        if zone_row is None:
            raise DomainError(_l("There is no zone %(zone)s.", zone=zone))
    if rule_id is None:
        rule = PutawayRule(warehouse_id=warehouse.id)
        db.session.add(rule)
    else:
        rule = db.session.get(PutawayRule, rule_id)
        if rule is None:
            raise NotFound(_l("Put-away rule not found."))
    rule.priority, rule.location_kind, rule.active = priority, location_kind, active
    rule.product_id = product.id if product else None
    rule.category = category or None
    rule.zone_id = zone_row.id if zone_row else None
    rule.note = rules.plain_text(note) or None
    db.session.flush()
    audit.record("putaway_rule.save", rule, user_id=user_id, priority=priority, kind=location_kind,
                 sku=product.sku if product else None, category=category or None, zone=zone or None, active=active)
    return rule


@use_case
def delete_rule(rule_id: int, *, user_id: int | None) -> None:
    rule = db.session.get(PutawayRule, rule_id)
    if rule is None:
        raise NotFound(_l("Put-away rule not found."))
    audit.record("putaway_rule.delete", rule, user_id=user_id, priority=rule.priority, kind=rule.location_kind)
    db.session.delete(rule)

