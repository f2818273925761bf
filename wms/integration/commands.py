"""`wms webhook add URL --events ...` (the secret is printed once) and `wms webhook list`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..errors import DomainError

webhook = AppGroup("webhook", help="Webhook endpoints: where the outbox's events are delivered.")


@webhook.command("add")
@click.argument("url")
@click.option("--events", default="*", show_default=True,
              help="Event kinds separated by commas (order.shipped,stock.changed), or * for every event.")
@click.option("--description", default="", help="Who receives them (the store, the ERP...).")
def add(url: str, events: str, description: str):
    """Add an endpoint and print its signing secret (shown only this once)."""
    from . import endpoints

    try:
        made = endpoints.add_endpoint(url, events, description=description)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Endpoint {made.endpoint_id}: {made.url} ({made.events})")
    click.echo(made.secret)
    click.echo("Keep the secret now: it is not shown again. The receiver verifies signatures with it.", err=True)


@webhook.command("list")
def list_endpoints():
    """The endpoints, with their events and whether they are in use."""
    from sqlalchemy import select

    from ..extensions import db
    from .models import WebhookEndpoint

    for endpoint in db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)):
        state = "active" if endpoint.active else f"off ({endpoint.disabled_reason or ''})"
        click.echo(f"{endpoint.id}\t{endpoint.url}\t{endpoint.events}\t{state}")


def register(app) -> None:
    app.cli.add_command(webhook)
