"""The `wms` command: run the service, migrate, demo data, users and tokens."""
import click
from flask import current_app
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext
from sqlalchemy import func, inspect, select

from .extensions import db


def _create_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main():
    """Retaguarda WMS."""


main.add_command(shell_command)
main.add_command(routes_command)


def upgrade_database() -> None:
    """Bring the schema to the newest migration (every head: areas migrate independently)."""
    from flask_migrate import upgrade

    upgrade(revision="heads")


def database_is_empty() -> bool:
    from .auth.models import User

    if not inspect(db.engine).has_table("users"):
        return True
    return not db.session.scalar(select(func.count()).select_from(User))


def register(app) -> None:
    from .printing.commands import register as register_printing

    register_printing(app)

    @app.cli.command("run")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    @click.option("--threads", default=8, show_default=True, type=int)
    @with_appcontext
    def run(host: str, port: int, threads: int):
        """Migrate the database, load the demo warehouse on first start, and serve."""
        from waitress import serve

        from . import demo

        upgrade_database()
        if database_is_empty():
            demo.load()
            click.echo("Demo warehouse loaded.")
        click.echo(demo.logins_text())
        # The command's own session must not hold SQLite's write lock while requests are served.
        db.session.remove()
        click.echo(f"Serving on http://{host}:{port}  (desk: /login, handheld: /hh/login)")
        serve(current_app._get_current_object(), host=host, port=port, threads=threads)

    @app.cli.command("demo")
    @with_appcontext
    def demo_command():
        """Load the demo warehouse into an empty database."""
        from . import demo

        upgrade_database()
        if not database_is_empty():
            raise click.ClickException("The database already has users: demo data goes only into an empty one.")
        demo.load()
        click.echo(demo.logins_text())

    @app.cli.command("check")
    @with_appcontext
    def check():
        """Prove the books: every stock item equals its ledger sum, every reservation sum its cached figure.
        Exits 1 on any mismatch (run it from cron and alert on failure)."""
        from .inventory.services import stock_mismatches
        from .picking.reservations import reservation_mismatches

        stock, reservations = stock_mismatches(), reservation_mismatches()
        for row in stock:
            click.echo(f"stock item {row['key']}: ledger {row['ledger']}, item {row['item']}")
        for row in reservations:
            click.echo(f"reservations: {row}")
        if stock or reservations:
            raise click.ClickException(f"{len(stock)} stock and {len(reservations)} reservation mismatches")
        click.echo("Every stock item equals its ledger; every reservation total equals its cached figure.")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice(["worker", "supervisor", "admin"]), required=True)
    @click.option("--name", default=None)
    @click.option("--password", default=None, help="Desk password (prompted when omitted for supervisors/admins).")
    @click.option("--badge", default=None, help="Badge barcode for handheld login.")
    @click.option("--pin", default=None, help="Handheld PIN (4-8 digits).")
    @with_appcontext
    def create_user(username, role, name, password, badge, pin):
        """Create a user."""
        from .auth import services
        from .errors import DomainError

        if password is None and role != "worker":
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            user = services.create_user(username, role=role, name=name, password=password, badge=badge, pin=pin)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"User {user.username} ({user.role}) created.")

    @app.cli.command("create-token")
    @click.argument("name")
    @with_appcontext
    def create_token(name):
        """Create an API token; it is shown once and stored hashed."""
        from .auth import services
        from .errors import DomainError

        try:
            token = services.create_token(name)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(token)
        click.echo("Keep it now: only its hash is stored.", err=True)
