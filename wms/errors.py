"""Domain errors: a message a worker can act on, and the HTTP status a view answers with."""


class DomainError(Exception):
    """A rule said no. Nothing was changed."""

    status = 422

    def __init__(self, message, **details):
        super().__init__(str(message))
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return str(self.message)


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """Someone else changed the same thing first (a lock or version lost)."""

    status = 409


class Forbidden(DomainError):
    status = 403


def get_or_not_found(model, row_id, message):
    """The row with this id, or NotFound with a message that names what is missing."""
    from .extensions import db

    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound(message)
    return row
