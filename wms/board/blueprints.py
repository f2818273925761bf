"""The board area: the day board (desk home), carrier cut-offs and the warehouse map."""


def register(app) -> None:
    from . import views

    views.register(app)
