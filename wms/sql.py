"""Small SQL helpers shared by every area."""
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import ARRAY, Integer, any_, bindparam, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import MANYTOONE
from sqlalchemy.orm.attributes import set_committed_value

from .extensions import db

T = TypeVar("T")

# Ids fetched per query: one statement stays small on both databases.
CHUNK = 5000


def id_in(column, ids: Sequence[int]):
    """`column IN ids`: one array parameter on PostgreSQL (`= ANY(:ids)`; as thousands of bound parameters
    the same query took three times as long, bench/README.md "Recall"), a plain IN elsewhere."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(ids)


def conflict_insert(target):
    """An INSERT into `target` (a model or table) that can say what to do on a duplicate key
    (`on_conflict_do_nothing` / `on_conflict_do_update`): PostgreSQL's or SQLite's, for the session's database."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(target)


def locked(model, row_id, *, shared: bool = False):
    """The row of `model` with this id (None if there is none), locked for the rest of the transaction (SELECT ...
    FOR UPDATE on PostgreSQL, FOR SHARE with `shared`: others may read it so too, none may change it; SQLite holds
    its write lock from BEGIN) and read afresh.

    Afresh matters: a row the session loaded before the lock (the screen read the receipt, then the scan locks it)
    sits in the identity map, and `session.get(..., with_for_update=True)` sends the SELECT but hands back that
    object unchanged. A status or dock another worker committed in between would go unseen, and the use case
    would judge the row as the screen read it. Here the object takes the locked row's values; its collections are
    read again when next used, its many-to-one neighbours are kept while its keys still name them."""
    held = db.session.identity_map.get(db.session.identity_key(model, row_id))
    neighbours = _loaded_neighbours(held) if held is not None else []
    row = db.session.get(model, row_id, with_for_update={"read": True} if shared else True, populate_existing=True)
    for key, foreign_key, neighbour in neighbours:
        if row is not None and _names(getattr(row, foreign_key), neighbour):
            set_committed_value(row, key, neighbour)
    return row


def _loaded_neighbours(row) -> list[tuple[str, str, object]]:
    """(relationship, foreign key attribute, object) for each many-to-one neighbour `row` has loaded by a simple
    key. Read afresh, the row drops them; the session's identity map holds objects weakly, so one that nothing
    else held would be gone, and read again by a statement when next used. A request's statements stay flat."""
    state = inspect(row)
    found = []
    for relationship in state.mapper.relationships:
        pairs = relationship.local_remote_pairs
        if (relationship.direction is not MANYTOONE or relationship.key not in state.dict or len(pairs) != 1
                or not pairs[0][1].primary_key):
            continue
        foreign_key = state.mapper.get_property_by_column(pairs[0][0]).key
        found.append((relationship.key, foreign_key, state.dict[relationship.key]))
    return found


def _names(key_value, neighbour) -> bool:
    """Whether the (freshly read) foreign key still names this neighbour (None: none)."""
    if neighbour is None:
        return key_value is None
    return inspect(neighbour).identity == (key_value,)


def for_update(statement, **lock):
    """`statement` locking its rows (FOR UPDATE; `lock`: `of`, `skip_locked`, `nowait`) and reading them afresh into
    the objects the session holds already, as `locked` does for one row by id."""
    return statement.with_for_update(**lock).execution_options(populate_existing=True)


def rows_by_id(model, ids: Iterable[int | None]) -> dict:
    """Rows of `model` by id: those the session holds loaded already (not expired) as they are, the others read in
    one statement. For a use case that needs the products, lots or places of rows it has just read, without a lazy
    load each (an N+1)."""
    wanted = {row_id for row_id in ids if row_id is not None}
    rows: dict = {}
    for row_id in wanted:
        row = db.session.identity_map.get(db.session.identity_key(model, row_id))
        if row is not None and not inspect(row).expired_attributes:
            rows[row_id] = row
    missing = sorted(wanted - rows.keys())
    for start in range(0, len(missing), CHUNK):
        rows.update((row.id, row) for row in db.session.scalars(
            select(model).where(id_in(model.id, missing[start:start + CHUNK]))))
    return rows


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`values` in slices of at most `size`, for `id_in` or `in_` over a list of any length."""
    for start in range(0, len(values), size):
        yield values[start:start + size]
