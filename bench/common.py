"""What every benchmark starts with: an app on a fresh database (SQLite in a temp folder, or the PostgreSQL
database named by DATABASE_URL, whose public schema is dropped and made again), migrated to the newest schema."""
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from tests.conftest import make_app  # noqa: E402
from wms.cli import upgrade_database  # noqa: E402
from wms.extensions import db  # noqa: E402


def fresh_app():
    """(app, database name): an empty, migrated database behind a test-configured app."""
    folder = tempfile.mkdtemp()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = make_app(url, folder)
    with app.app_context():
        if url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade_database()
    return app, ("PostgreSQL" if url.startswith("postgresql") else "SQLite")


def analyze() -> None:
    """Fresh planner statistics after a bulk load (PostgreSQL only)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
