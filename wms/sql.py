"""Small SQL helpers shared by every area."""
from collections.abc import Iterator, Sequence
from typing import TypeVar

from sqlalchemy import ARRAY, Integer, any_, bindparam

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


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`values` in slices of at most `size`, for `id_in` or `in_` over a list of any length."""
    for start in range(0, len(values), size):
        yield values[start:start + size]
