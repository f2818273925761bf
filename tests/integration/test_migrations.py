"""Models and migrations must agree: a model change without a migration fails here."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from wms.extensions import db


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from migrations; run `wms db migrate`: {diff}"


def test_migrations_have_one_head():
    """`wms db upgrade` (the README's command) needs one head: areas' migrations are joined by merge revisions."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from wms import ROOT

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
