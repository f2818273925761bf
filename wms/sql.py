"""Small SQL helpers shared by every area."""
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import ARRAY, Integer, any_, bindparam, inspect, select

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
