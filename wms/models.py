"""Every area's models, imported in one place so Alembic and create_app see them all.

An area is a package under wms/ listed in AREAS; its models live in `wms/<area>/models.py` and its
blueprints are registered by `wms/<area>/blueprints.py: register(app)`. Adding an area means adding its
name here, nothing else.
"""
import importlib
import importlib.util
from pathlib import Path

from .audit import AuditEvent  # noqa: F401
from .auth.models import ApiToken, User  # noqa: F401
from .handler_failures import HandlerFailure  # noqa: F401
from .idempotency import ScanReceipt  # noqa: F401
from .settings import Setting  # noqa: F401

AREAS = ("locations", "catalog", "inventory", "printing", "receiving", "orders", "picking", "shipping", "returns",
         "integration", "recall", "board", "reports")


def _area_modules(name: str):
    here = Path(__file__).resolve().parent
    for area in AREAS:
        module = f"wms.{area}.{name}"
        # only this checkout's areas: an installed copy of the package elsewhere must not lend its own
        if (here / area / f"{name}.py").is_file() and importlib.util.find_spec(module):
            yield importlib.import_module(module)


list(_area_modules("models"))


def register_area_blueprints(app) -> None:
    for module in _area_modules("blueprints"):
        module.register(app)
