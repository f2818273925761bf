"""Webhooks delivered by the worker to a real HTTP receiver on 127.0.0.1 that verifies every signature with
the `standardwebhooks` library: retries carry the same id, each event is accepted once and in order, 410
switches the endpoint off, and a worker killed mid-delivery loses nothing."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select, update
from standardwebhooks import Webhook

from wms import events, worker
from wms.dbtypes import utcnow
from wms.extensions import db
from wms.integration import endpoints, webhooks
from wms.integration.models import WebhookDelivery, WebhookEndpoint
from wms.uow import unit_of_work

ROOT = Path(__file__).resolve().parents[2]


class Receiver:
    """An HTTP endpoint on 127.0.0.1. `answers` are the statuses of the first requests (then 200); every
    request's signature is verified with the endpoint's secret, and what was accepted (2xx) is kept."""

    def __init__(self, answers=(), hang_first: bool = False, delay: float = 0.0):
        self.answers = list(answers)
        self.secret: str | None = None
        self.requests: list[dict] = []  # every attempt: id, status answered, verified
        self.accepted: list[str] = []   # the webhook-ids answered 2xx, in order
        self.hang_first = hang_first
        self.release = threading.Event()
        self.hanging = threading.Event()
        self.delay = delay
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                verified = None
                try:
                    verified = Webhook(receiver.secret).verify(body, headers)
                except Exception as exc:  # noqa: BLE001
                    verified = f"REJECTED: {exc}"
                with receiver.lock:
                    first = not receiver.requests
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    if not isinstance(verified, dict):
                        status = 400
                    receiver.requests.append({"id": headers.get("webhook-id"), "status": status,
                                              "verified": verified})
                if first and receiver.hang_first:
                    receiver.hanging.set()
                    receiver.release.wait(30)
                    return  # the worker is dead by now: nobody reads an answer
                if receiver.delay:
                    time.sleep(receiver.delay)
                if 200 <= status < 300:
                    with receiver.lock:
                        receiver.accepted.append(headers["webhook-id"])
                self.send_response(status)
                self.send_header("content-type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"nope " + str(status).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def ids(self) -> list[str]:
        return [r["id"] for r in self.requests]


def add_endpoint(receiver: Receiver, kinds="*") -> int:
    made = endpoints.add_endpoint(receiver.url, kinds)
    receiver.secret = made.secret
    return made.endpoint_id


def emit(kind: str, **payload) -> int:
    with unit_of_work():
        event = events.emit(kind, payload)
        db.session.flush()
        return event.id


def time_passes(**delta) -> None:
    """What the clock would do: every waiting delivery (and every claim) is `delta` older."""
    delta = timedelta(**delta) if delta else timedelta(days=2)
    with unit_of_work():
        for row in db.session.scalars(select(WebhookDelivery)):
            row.next_attempt_at -= delta
            if row.claimed_at:
                row.claimed_at -= delta


def deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_an_event_reaches_the_receiver_signed_with_its_id(ctx):
    with Receiver() as receiver:
        add_endpoint(receiver)
        event_id = emit("order.shipped", order_id=7, channel="site", shipments=[{"tracking_code": "AA123456785BR"}])
        result = worker.run_once()
        assert len(result.webhooks.sent) == 1
    [request] = receiver.requests
    assert request["id"] == str(event_id)
    assert request["verified"]["type"] == "order.shipped"
    assert request["verified"]["data"]["shipments"][0]["tracking_code"] == "AA123456785BR"
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("delivered", 1, 200)
    assert db.session.get(events.Event, event_id).published_at is not None
    # Nothing is delivered twice.
    assert not worker.run_once().busy


def test_only_the_subscribed_events_go_to_an_endpoint(ctx):
    with Receiver() as shipped, Receiver() as everything:
        add_endpoint(shipped, "order.shipped")
        add_endpoint(everything, "*")
        emit("stock.changed", sku="MED")
        emit("order.shipped", order_id=1)
        worker.run_once()
    assert [r["verified"]["type"] for r in shipped.requests] == ["order.shipped"]
    assert [r["verified"]["type"] for r in everything.requests] == ["stock.changed", "order.shipped"]


def test_a_receiver_that_fails_twice_gets_each_event_once_with_the_same_id_and_in_order(ctx):
    with Receiver(answers=[500, 503]) as receiver:
        add_endpoint(receiver)
        first = emit("order.packed", order_id=1)
        second = emit("order.shipped", order_id=1)
        before = utcnow()
        result = worker.run_once()
        assert result.webhooks.retrying and not result.webhooks.sent
        # The second event waits behind the first: an endpoint gets its events in order.
        assert receiver.ids() == [str(first)]
        one, two = deliveries()
        assert (one.status, one.attempts, one.last_status) == ("pending", 1, 500)
        assert timedelta(seconds=4) < one.next_attempt_at - before < timedelta(seconds=10)
        assert (two.status, two.attempts) == ("pending", 0)
        assert not worker.run_once().busy  # not due yet
        time_passes(seconds=6)
        worker.run_once()
        one, _two = deliveries()
        assert (one.attempts, one.last_status) == (2, 503)
        assert timedelta(minutes=4) < one.next_attempt_at - utcnow() <= timedelta(minutes=5)
        time_passes(minutes=5)
        result = worker.run_once()
        assert len(result.webhooks.sent) == 2
    assert receiver.ids() == [str(first), str(first), str(first), str(second)]
    assert receiver.accepted == [str(first), str(second)]
    assert all(isinstance(r["verified"], dict) for r in receiver.requests)
    assert [(d.status, d.attempts) for d in deliveries()] == [("delivered", 3), ("delivered", 1)]


def test_410_gone_switches_the_endpoint_off_and_the_others_go_on(ctx):
    with Receiver(answers=[410]) as gone, Receiver() as alive:
        gone_id = add_endpoint(gone)
        add_endpoint(alive)
        emit("stock.changed", sku="MED")
        worker.run_once()
        emit("stock.changed", sku="BOTTLE")
        time_passes()
        worker.run_once()
    assert len(gone.requests) == 1 and gone.accepted == []
    assert len(alive.accepted) == 2
    endpoint = db.session.get(WebhookEndpoint, gone_id)
    db.session.refresh(endpoint)
    assert not endpoint.active and "410" in endpoint.disabled_reason
    statuses = {(d.endpoint_id, d.status) for d in deliveries()}
    assert (gone_id, "failed") in statuses
    assert not any(d.endpoint_id == gone_id and d.event.payload["sku"] == "BOTTLE" for d in deliveries())


def test_a_receiver_that_never_answers_in_time_is_retried(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "WMS_WEBHOOK_TIMEOUT", 0.3)
    with Receiver(delay=1.5) as slow:
        add_endpoint(slow)
        emit("order.picked", order_id=3)
        result = worker.run_once()
    assert result.webhooks.retrying
    [delivery] = deliveries()
    assert delivery.status == "pending" and "timed out" in delivery.last_response.lower()


def test_after_the_last_retry_the_delivery_is_given_up_and_the_next_one_goes(ctx):
    with Receiver(answers=[500, 500]) as receiver:
        add_endpoint(receiver)
        first = emit("order.packed", order_id=1)
        emit("order.shipped", order_id=1)
        worker.run_once()
        with unit_of_work():
            db.session.execute(update(WebhookDelivery).where(WebhookDelivery.event_id == first)
                               .values(attempts=9))
        time_passes()
        worker.run_once()
    one, two = deliveries()
    assert (one.status, one.attempts, one.last_status) == ("failed", 10, 500)
    assert two.status == "delivered"


def test_send_again_delivers_with_the_same_id(ctx):
    with Receiver() as receiver:
        add_endpoint(receiver)
        event_id = emit("lot.recalled", lot="L1")
        worker.run_once()
        [delivery] = deliveries()
        endpoints.send_again(delivery.id)
        worker.run_once()
    assert receiver.ids() == [str(event_id), str(event_id)]
    assert deliveries()[0].attempts == 1  # a fresh schedule


def test_a_secret_key_change_keeps_the_event_waiting(ctx, app, monkeypatch):
    with Receiver() as receiver:
        add_endpoint(receiver)
        emit("order.packed", order_id=1)
        monkeypatch.setitem(app.config, "SECRET_KEY", "another")
        worker.run_once()
    assert receiver.requests == []
    [delivery] = deliveries()
    assert delivery.status == "pending" and "SECRET_KEY" in delivery.last_response


def _worker_process(database_url: str) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="test-secret", PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", "from wms.cli import main; main()", "worker", "--interval", "0.2"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_a_worker_killed_mid_delivery_loses_nothing(ctx, database_url):
    with Receiver(hang_first=True) as receiver:
        add_endpoint(receiver)
        ids = [str(emit("stock.changed", sku=f"SKU-{n}")) for n in range(3)]
        db.session.remove()
        process = _worker_process(database_url)
        try:
            assert receiver.hanging.wait(30), process.communicate(timeout=5)[0].decode()
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(10)
        receiver.release.set()
        # The first delivery is left claimed; no one else takes it (nor the next ones) before the lease runs out.
        assert [d.status for d in deliveries()] == ["sending", "pending", "pending"]
        assert not worker.run_once().webhooks.count
        time_passes(minutes=2)
        result = worker.run_once()
        assert len(result.webhooks.sent) == 3
    assert receiver.ids() == [ids[0], ids[0], ids[1], ids[2]]
    assert receiver.accepted == ids
    assert [(d.status, d.attempts) for d in deliveries()] == [("delivered", 2), ("delivered", 1), ("delivered", 1)]


def test_two_workers_at_once_deliver_each_event_once_per_endpoint_in_order(app, is_postgres):
    if not is_postgres:
        pytest.skip("concurrent claims (FOR UPDATE SKIP LOCKED) are a PostgreSQL claim")
    with Receiver(delay=0.02) as a, Receiver(delay=0.02) as b:
        with app.app_context():
            add_endpoint(a)
            add_endpoint(b)
            ids = [str(emit("stock.changed", sku=f"SKU-{n}")) for n in range(15)]
            db.session.remove()
        errors = []

        def run():
            try:
                with app.app_context():
                    for _ in range(40):
                        worker.run_once()
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert not errors
    assert a.accepted == ids and b.accepted == ids
    assert a.ids() == ids and b.ids() == ids  # never sent twice


def test_the_worker_command_runs_one_pass(runner, app):
    with Receiver() as receiver:
        with app.app_context():
            add_endpoint(receiver)
            emit("order.shipped", order_id=5)
            db.session.remove()
        result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "webhooks delivered 1" in result.output
    assert len(receiver.accepted) == 1


def test_webhook_add_prints_the_secret_once(runner, app):
    result = runner.invoke(args=["webhook", "add", "https://loja.example.com/wms", "--events",
                                 "order.shipped,stock.changed"])
    assert result.exit_code == 0, result.output
    secret = next(line for line in result.output.splitlines() if line.startswith("whsec_"))
    with app.app_context():
        endpoint = db.session.scalar(select(WebhookEndpoint))
        assert endpoint.events == "order.shipped,stock.changed"
        assert secret not in endpoint.secret_encrypted
    listed = runner.invoke(args=["webhook", "list"])
    assert "https://loja.example.com/wms" in listed.output and secret not in listed.output
    bad = runner.invoke(args=["webhook", "add", "https://x.example.com", "--events", "order.shiped"])
    assert bad.exit_code != 0 and "order.shiped" in bad.output


def test_published_events_are_not_fanned_out_again(ctx):
    with Receiver() as receiver:
        add_endpoint(receiver)
        emit("order.packed", order_id=1)
        worker.run_once()
        worker.run_once()
    assert len(deliveries()) == 1
    assert json.loads(json.dumps(receiver.requests[0]["verified"]))["data"] == {"order_id": 1}
    assert webhooks.claim_next() is None
