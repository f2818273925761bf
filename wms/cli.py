"""The `wms` command: run the service, migrate, demo data, users and tokens."""
import click
from flask import current_app
from flask.cli import FlaskGroup, routes_command, shell_command, with_appcontext
from sqlalchemy import func, inspect, select

from .extensions import db


def _create_app():
    from . import create_app

    return create_app({"WMS_COMMAND_LOCALE": "en"})


# Commands that create or migrate the database themselves; the others need a migrated one.
MIGRATING_COMMANDS = {"run", "demo", "db", "routes", "shell"}


class WmsGroup(FlaskGroup):
    """Flask's command group without Flask's own options (--app, --env-file, --debug, Flask's --version):
    `wms --help` lists the warehouse's commands, `wms --version` says the WMS version. A database that is
    missing or not migrated yet is said in one line, not a traceback."""

    def __init__(self, **kwargs):
        super().__init__(add_version_option=False, load_dotenv=False, set_debug_flag=False, **kwargs)
        self.params = [p for p in self.params if p.name not in ("env_file", "app", "debug")]

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        if name and name not in MIGRATING_COMMANDS and not ctx.resilient_parsing and "--help" not in rest:
            _refuse_unmigrated_database(ctx)
        return name, command, rest

    def invoke(self, ctx):
        from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError, DBAPIError) as exc:
            first = str(exc.orig or exc).strip().splitlines()[0] if (exc.orig or exc) else ""
            raise click.ClickException(f"The database is not ready ({first}): run `wms db upgrade` first.") from None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("retaguarda-wms")
    except PackageNotFoundError:
        return "unknown"


def _refuse_unmigrated_database(ctx) -> None:
    """Say in one line what to run, and leave no empty SQLite file behind."""
    from pathlib import Path

    from flask.cli import ScriptInfo
    from sqlalchemy.engine import make_url

    app = ctx.ensure_object(ScriptInfo).load_app()
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        raise click.ClickException(f"There is no database at {url.database} yet: run `wms db upgrade` "
                                   "(or `wms run`, which also loads the demo warehouse).")
    with app.app_context():
        try:
            ready = inspect(db.engine).has_table("alembic_version") and inspect(db.engine).has_table("users")
        except Exception as exc:  # noqa: BLE001 - a server that is down or a database that does not exist
            first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise click.ClickException(f"Cannot open the database ({first}).") from None
        finally:
            db.session.remove()
    if not ready:
        raise click.ClickException("The database has no tables yet: run `wms db upgrade` first.")


@click.group(cls=WmsGroup, create_app=_create_app, add_default_commands=False)
@click.version_option(version=_version(), prog_name="Retaguarda WMS", message="%(prog)s %(version)s")
def main():
    """Retaguarda WMS: warehouse management for online stores.

    Start with `wms run` (migrates, loads the demo on first start, serves). Settings come from the environment:
    DATABASE_URL, SECRET_KEY, WMS_TIMEZONE (see README).
    """


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
    from .auth.commands import register as register_auth
    from .printing.commands import register as register_printing

    register_printing(app)
    register_auth(app)

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="One pass over every queue, then exit.")
    @click.option("--interval", default=2.0, show_default=True, type=click.FloatRange(0.1, 3600),
                  help="Longest sleep, in seconds, when a pass found nothing to do.")
    @with_appcontext
    def worker(once: bool, interval: float):
        """Deliver webhooks, send customer e-mails, drain the print queue and retry failed handlers, until
        stopped (Ctrl-C / SIGTERM). The one background process a warehouse runs; on PostgreSQL as many as you
        like. `wms print-worker` is the same command under its old name."""
        import logging
        import signal
        import threading

        from .worker import run

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        run(interval=interval, stop=stop, once=once, echo=click.echo)

    # The old name of the print queue's own worker, for service files that still say it: the same command.
    app.cli.add_command(worker, "print-worker")

    @app.cli.command("run")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    @click.option("--threads", default=8, show_default=True, type=int)
    @click.option("--fold-every", default=5.0, show_default=True, type=float,
                  help="Seconds between folds of the stock summary's pending deltas (0: never, a `wms worker` "
                       "folds them).")
    @with_appcontext
    def run(host: str, port: int, threads: int, fold_every: float):
        """Migrate the database, load the demo warehouse on first start, and serve. Without `wms worker`, a thread
        runs the worker's loop with a pass that only folds the stock summary's pending deltas, every few seconds
        (each fold its own unit of work: the stock pages never write)."""
        import threading

        from waitress import serve

        from . import demo, worker

        upgrade_database()
        if database_is_empty():
            demo.load()
            click.echo("Demo warehouse loaded.")
        click.echo(demo.logins_text())
        # The command's own session must not hold SQLite's write lock while requests are served.
        db.session.remove()
        click.echo(f"Serving on http://{host}:{port}  (desk: /login, handheld: /hh/login)")
        app, stop = current_app._get_current_object(), threading.Event()
        if fold_every > 0:
            loop = {"app": app, "interval": fold_every, "stop": stop, "one_pass": worker.fold_once, "due_in": None,
                    "echo": click.echo}
            threading.Thread(target=worker.run, kwargs=loop, name="stock-summary-fold", daemon=True).start()
        try:
            serve(app, host=host, port=port, threads=threads)
        finally:
            stop.set()

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
        """Prove the books: every stock item equals its ledger sum, every reservation sum its cached figure, and
        the desk's stock summary equals the stock items. Exits 1 on any mismatch (run it from cron and alert on
        failure)."""
        from .inventory.services import iter_stock_mismatches
        from .inventory.summary import drift
        from .picking.reservations import reservation_mismatches

        stock = 0
        for row in iter_stock_mismatches():  # streamed: only the mismatches leave the database
            stock += 1
            click.echo(f"stock item {row['key']}: ledger {row['ledger']}, item {row['item']}")
        reservations = reservation_mismatches()
        for row in reservations:
            click.echo(f"reservations: {row}")
        summary = drift()
        for row in summary:
            click.echo(f"stock summary {row['level']} product {row['product_id']} lot {row['lot_key']} "
                       f"kind {row['kind']} open {row['open']}: items (on hand, reserved, items, sellable) "
                       f"{row['items']}, summary {row['summary']}")
        if stock or reservations or summary:
            raise click.ClickException(f"{stock} stock, {len(reservations)} reservation and {len(summary)} stock "
                                       "summary mismatches" + (" (repair the summary: wms rebuild-summary)"
                                                               if summary else ""))
        click.echo("Every stock item equals its ledger; every reservation total equals its cached figure; the "
                   "stock summary equals the stock items.")

    @app.cli.command("rebuild-summary")
    @with_appcontext
    def rebuild_summary():
        """Recompute the desk's stock summary from the stock items (after `wms check` found it wrong)."""
        from .inventory.summary import rebuild
        from .uow import unit_of_work

        with unit_of_work():
            rebuild()
        click.echo("The stock summary was recomputed from the stock items.")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice(["worker", "supervisor", "admin"]), required=True)
    @click.option("--name", default=None, help="The person's full name, shown on screens (default: USERNAME).")
    @click.option("--password", default=None,
                  help="Desk password; asked for on the terminal when omitted (supervisors and admins need one).")
    @click.option("--badge", default=None, help="Badge barcode for handheld login.")
    @click.option("--pin", default=None, help="Handheld PIN (4-8 digits).")
    @with_appcontext
    def create_user(username, role, name, password, badge, pin):
        """Create a user."""
        from .auth import services
        from .errors import DomainError

        if password is None and role != "worker":
            import sys

            if not sys.stdin.isatty():
                raise click.UsageError("A supervisor or admin needs a desk password: give --password "
                                       "(there is no terminal to ask on).")
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            user = services.create_user(username, role=role, name=name, password=password, badge=badge, pin=pin)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"User {user.username} ({user.role}) created.")

    @app.cli.command("create-token")
    @click.argument("name")
    @click.option("--scopes", default=None,
                  help="What the token may use, separated by commas (orders,stock,products,receiving,shipping,"
                       "returns,tracking,webhooks); every scope when not given.")
    @with_appcontext
    def create_token(name, scopes):
        """Create an API token; it is shown once and stored hashed."""
        from .auth import services
        from .errors import DomainError

        try:
            token = services.create_token(name, scopes)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(token)
        click.echo("Keep it now: only its hash is stored.", err=True)

    @app.cli.command("deactivate-token")
    @click.argument("name")
    @with_appcontext
    def deactivate_token(name):
        """Revoke an API token: it is refused from now on."""
        from .auth import services
        from .errors import DomainError

        try:
            row = services.deactivate_token(name)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Token {row.name} revoked.")
