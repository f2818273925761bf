"""The desk's disposition table: condition × category / Anvisa-controlled → default disposition. Kept in
`return_disposition_rules` (seeded with rules.DEFAULT_ROWS); the pure rule takes the rows as input."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..catalog.models import Category
from ..errors import DomainError, NotFound
from ..extensions import db
from ..uow import use_case
from . import rules
from .models import Condition, Disposition, DispositionRule


def _row(rule: DispositionRule) -> rules.DispositionRow:
    return rules.DispositionRow(condition=Condition(rule.condition), category=rule.category,
                                anvisa_controlled=rule.anvisa_controlled,
                                disposition=Disposition(rule.disposition) if rule.disposition else None)


def kept() -> list[DispositionRule]:
    return list(db.session.scalars(select(DispositionRule).order_by(DispositionRule.condition,
                                                                    DispositionRule.id)))


def rows() -> tuple[rules.DispositionRow, ...]:
    """The table the dock applies: the desk's rows, the built-in table while it keeps none."""
    found = kept()
    return tuple(_row(rule) for rule in found) if found else rules.DEFAULT_ROWS


def _seed() -> None:
    if db.session.scalar(select(DispositionRule.id).limit(1)) is None:
        for row in rules.DEFAULT_ROWS:
            db.session.add(DispositionRule(condition=row.condition.value, category=row.category,
                                           anvisa_controlled=row.anvisa_controlled,
                                           disposition=row.disposition.value if row.disposition else None))
        db.session.flush()


def _choice(value, allowed: dict, message) -> object:
    value = (value or "").strip()
    if value not in allowed:
        raise DomainError(message)
    return allowed[value]


@use_case
def save_rule(condition: str, category: str, anvisa: str, disposition: str, *,
              user_id: int | None) -> DispositionRule:
    """Set the disposition of one (condition, category, Anvisa) cell, replacing the row that had it."""
    state = _choice(condition, {c.value: c for c in Condition},
                    _l("Choose the condition: sealed, opened or damaged."))
    kind = _choice(category, {"": None, **{c.value: c.value for c in Category}}, _l("Choose a category or any."))
    controlled = _choice(anvisa, {"": None, "yes": True, "no": False},
                         _l("Choose whether the product is Anvisa-controlled, or either."))
    chosen = _choice(disposition, {"": None, **{d.value: d for d in Disposition}},
                     _l("Choose restock, quarantine, scrap, supplier or the worker chooses."))
    _seed()
    rule = db.session.scalar(select(DispositionRule).where(
        DispositionRule.condition == state.value,
        DispositionRule.category.is_(None) if kind is None else DispositionRule.category == kind,
        DispositionRule.anvisa_controlled.is_(None) if controlled is None
        else DispositionRule.anvisa_controlled == controlled).limit(1))
    if rule is None:
        rule = DispositionRule(condition=state.value, category=kind, anvisa_controlled=controlled)
        db.session.add(rule)
    rule.disposition = chosen.value if chosen else None
    rule.updated_by_id = user_id
    db.session.flush()
    audit.record("return.disposition_rule", rule, user_id=user_id, condition=state.value, category=kind,
                 anvisa=controlled, disposition=rule.disposition)
    return rule


@use_case
def delete_rule(rule_id: int, *, user_id: int | None) -> None:
    _seed()
    rule = db.session.get(DispositionRule, rule_id)
    if rule is None:
        raise NotFound(_l("That disposition rule is gone."))
    audit.record("return.disposition_rule_deleted", rule, user_id=user_id, condition=rule.condition,
                 category=rule.category, anvisa=rule.anvisa_controlled, disposition=rule.disposition)
    db.session.delete(rule)
