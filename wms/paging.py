"""One page of a desk list: which rows to read (offset, PER_PAGE) and what the screen kit's pager shows."""
from dataclasses import dataclass
from math import ceil

PER_PAGE = 50


@dataclass
class Page:
    """One page of a list, in the shape of Flask-SQLAlchemy's Pagination (the desk's one pager reads it)."""

    page: int
    total: int
    per_page: int = PER_PAGE

    @classmethod
    def of(cls, total: int, wanted: int | None) -> "Page":
        page = cls(page=1, total=total)
        page.page = min(max(wanted or 1, 1), page.pages)
        return page

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1 if self.page > 1 else None)
    next_num = property(lambda self: self.page + 1 if self.page < self.pages else None)

    def iter_pages(self, *, left_edge=2, left_current=2, right_current=4, right_edge=2):
        """Page numbers to link, with None for a gap (Flask-SQLAlchemy's rule)."""
        end = self.pages + 1
        left_end = min(1 + left_edge, end)
        yield from range(1, left_end)
        if left_end == end:
            return
        mid_start, mid_end = max(left_end, self.page - left_current), min(self.page + right_current + 1, end)
        if mid_start > left_end:
            yield None
        yield from range(mid_start, mid_end)
        if mid_end == end:
            return
        right_start = max(mid_end, end - right_edge)
        if right_start > mid_end:
            yield None
        yield from range(right_start, end)
