"""A row read by id with a lock goes through `wms.sql.locked`: `session.get(Model, id, with_for_update=True)` hands
back the object the session already holds unchanged (a status another worker committed since goes unseen), unless
`populate_existing` is passed too. No module of the package but wms/sql.py calls it that way."""
import ast
from pathlib import Path

import wms

PACKAGE = Path(wms.__file__).parent


def bare_locked_gets(source: str) -> list[int]:
    """The lines of `source` calling something with `with_for_update=` but without `populate_existing=`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            keywords = {keyword.arg for keyword in node.keywords}
            if "with_for_update" in keywords and "populate_existing" not in keywords:
                found.append(node.lineno)
    return found


def test_the_check_sees_a_bare_locked_get():
    assert bare_locked_gets("db.session.get(Hold, 1, with_for_update=True)\nx = 1\n") == [1]
    assert bare_locked_gets("db.session.get(Hold, 1, with_for_update=True, populate_existing=True)\n") == []
    assert bare_locked_gets("sql.locked(Hold, 1)\ndb.session.get(Hold, 1)\n") == []


def test_no_module_but_wms_sql_locks_a_row_by_id_without_reading_it_afresh():
    offenders = [f"{path.relative_to(PACKAGE.parent)}:{line}" for path in sorted(PACKAGE.rglob("*.py"))
                 if path != PACKAGE / "sql.py" for line in bare_locked_gets(path.read_text(encoding="utf-8"))]
    assert offenders == [], "lock a row by id with wms.sql.locked: " + ", ".join(offenders)
