"""Only wms/uow.py ends transactions: no other module of the package calls .commit() or .rollback()
(CONTRIBUTING.md, "Who commits"). A service, a view or a sender that needs a transaction of its own asks
wms/uow.py for it by name (separately, even_if_rolled_back, abandon)."""
import ast
from pathlib import Path

import wms

PACKAGE = Path(wms.__file__).parent
ENDINGS = {"commit", "rollback"}


def transaction_endings(source: str) -> list[int]:
    """The lines of `source` that call something's .commit() or .rollback()."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ENDINGS]


def test_the_check_sees_a_commit_and_a_rollback():
    assert transaction_endings("db.session.commit()\nx = 1\nsession.rollback()\n") == [1, 3]
    assert transaction_endings("uow.abandon()\ncommit = 1\n") == []


def test_no_module_but_wms_uow_commits_or_rolls_back():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "uow.py":
            continue
        for line in transaction_endings(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line}")
    assert offenders == [], "only wms/uow.py may commit or roll back: " + ", ".join(offenders)
