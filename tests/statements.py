"""The SQL statements a piece of work sends, for tests that count them (no N+1, one read instead of two)."""
from collections.abc import Callable
from typing import Any

from sqlalchemy import event

from wms.extensions import db


def statements_while(work: Callable[[], Any]) -> list[str]:
    """The text of every statement `work()` sends through the app's engine, in order."""
    seen: list[str] = []

    def keep(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return seen
