"""The reports area: its desk blueprint and navigation entry."""


def register(app) -> None:
    from . import views

    views.register(app)
