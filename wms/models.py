"""Every area's models, imported in one place so Alembic and create_app see them all.

AREA_BLUEPRINTS: functions that register each area's blueprints (added as areas land).
"""
from .audit import AuditEvent  # noqa: F401
from .auth.models import ApiToken, User  # noqa: F401
from .idempotency import ScanReceipt  # noqa: F401

AREA_BLUEPRINTS: list = []
