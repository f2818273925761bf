"""`wms deactivate-user`: a person who left cannot log in any more, and their open sessions end at once."""
import click
from flask.cli import with_appcontext


def register(app) -> None:
    @app.cli.command("deactivate-user")
    @click.argument("username")
    @with_appcontext
    def deactivate_user(username):
        """Deactivate a user: no login works any more and their open sessions end."""
        from ..errors import DomainError
        from . import people

        try:
            user = people.deactivate_user(username)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"User {user.username} deactivated; their sessions are ended.")
