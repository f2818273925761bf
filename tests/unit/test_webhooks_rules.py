"""Webhook and e-mail rules: the Standard Webhooks signature a receiver's library accepts, the retry
schedule, what an answer means, which events an endpoint takes, and the SMTP address."""
import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from wms.errors import DomainError
from wms.integration import rules, sealing


def test_a_new_secret_is_whsec_and_32_random_bytes():
    secret = rules.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[len("whsec_"):])) == 32
    assert secret != rules.new_secret()


def test_the_signature_is_the_one_the_standard_webhooks_library_verifies():
    secret = rules.new_secret()
    body = rules.body("order.shipped", datetime(2026, 12, 1, 12, 0, tzinfo=UTC), {"order_id": 7, "nome": "Ação"})
    headers = rules.signed_headers(secret, "42", datetime.now(UTC), body)
    assert headers["webhook-id"] == "42" and headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(body.encode(), headers) == {
        "type": "order.shipped", "timestamp": "2026-12-01T12:00:00Z", "data": {"order_id": 7, "nome": "Ação"}}
    with pytest.raises(WebhookVerificationError):
        Webhook(rules.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("7", "8"), headers)


def test_the_signature_is_hmac_sha256_of_id_timestamp_and_body_as_domain_md_says():
    import hashlib
    import hmac

    key = bytes(range(24))
    secret = "whsec_" + base64.b64encode(key).decode()
    sent = datetime.fromtimestamp(1_700_000_000, UTC)
    headers = rules.signed_headers(secret, "msg_1", sent, '{"a":1}')
    expected = base64.b64encode(hmac.new(key, b'msg_1.1700000000.{"a":1}', hashlib.sha256).digest()).decode()
    assert headers["webhook-timestamp"] == "1700000000"
    assert headers["webhook-signature"] == f"v1,{expected}"


def test_the_body_is_the_same_bytes_on_every_attempt():
    created = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert rules.body("stock.changed", created, {"b": 1, "a": 2}) == rules.body("stock.changed", created,
                                                                                {"a": 2, "b": 1})
    assert json.loads(rules.body("stock.changed", created, {}))["type"] == "stock.changed"


def test_retry_schedule_is_5s_5min_30min_2h_5h_10h_14h_20h_24h_then_give_up():
    waits = [rules.retry_after(n) for n in range(1, 11)]
    assert waits[:9] == [timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                         timedelta(hours=5), timedelta(hours=10), timedelta(hours=14), timedelta(hours=20),
                         timedelta(hours=24)]
    assert waits[9] is None


@pytest.mark.parametrize("status, meaning", [
    (200, rules.DELIVERED), (204, rules.DELIVERED), (299, rules.DELIVERED), (410, rules.GONE),
    (None, rules.RETRY), (301, rules.RETRY), (404, rules.RETRY), (500, rules.RETRY), (503, rules.RETRY)])
def test_what_an_answer_means(status, meaning):
    assert rules.outcome(status) == meaning


def test_event_kinds_are_checked_and_kept_in_order():
    assert rules.parse_event_kinds("order.shipped, stock.changed,order.shipped") == "order.shipped,stock.changed"
    assert rules.parse_event_kinds(["stock.changed", "*"]) == "*"
    assert rules.subscribed("*", "anything.new")
    assert rules.subscribed("order.shipped,stock.changed", "stock.changed")
    assert not rules.subscribed("order.shipped", "order.packed")
    with pytest.raises(DomainError, match="order.shiped"):
        rules.parse_event_kinds("order.shiped")
    with pytest.raises(DomainError):
        rules.parse_event_kinds(" , ")


@pytest.mark.parametrize("url", ["https://loja.example.com/hooks", "http://127.0.0.1:8080/x?y=1"])
def test_good_addresses(url):
    assert rules.check_url(f"  {url} ") == url


@pytest.mark.parametrize("url", ["", "ftp://x/y", "javascript:alert(1)", "https://", "https://a b/",
                                 "https://x/\x00", "https://user:pw@x/", "https://x:99999/", "https://x/" + "a" * 500])
def test_bad_addresses_are_refused(url):
    with pytest.raises(DomainError):
        rules.check_url(url)


def test_secrets_are_sealed_with_the_secret_key_and_only_it_opens_them():
    sealed = sealing.seal("whsec_abc", "key-1")
    assert "whsec_abc" not in sealed
    assert sealing.unseal(sealed, "key-1") == "whsec_abc"
    with pytest.raises(ValueError):
        sealing.unseal(sealed, "key-2")


def test_smtp_url():
    plain = rules.parse_smtp_url("smtp://127.0.0.1:2525")
    assert (plain.host, plain.port, plain.username, plain.starttls, plain.ssl) == ("127.0.0.1", 2525, None, False, False)
    full = rules.parse_smtp_url("smtp://loja%40x.com:p%3Ass@mail.x.com:587?starttls=1&from=Loja%20<a@x.com>")
    assert (full.username, full.password, full.port, full.starttls, full.sender) == (
        "loja@x.com", "p:ss", 587, True, "Loja <a@x.com>")
    assert rules.parse_smtp_url("smtps://mail.x.com").port == 465
    assert rules.parse_smtp_url("smtp://mail.x.com").port == 25
    for bad in ("", "http://x", "smtp://", "smtp://x:port"):
        with pytest.raises(ValueError):
            rules.parse_smtp_url(bad)


def test_mail_language_links_and_addresses():
    assert rules.mail_locale(None) == "pt_BR"
    assert rules.mail_locale("en-US") == "en"
    assert rules.mail_locale("pt") == "pt_BR"
    assert rules.mail_locale("fr_FR") == "pt_BR"
    assert rules.safe_link("https://rastreamento.correios.com.br/?objeto=AA1") is not None
    assert rules.safe_link("javascript:alert(1)") is None and rules.safe_link(None) is None
    assert rules.looks_like_email("ana@example.com.br")
    for bad in (None, "ana", "ana@x", "a b@x.com", "a@x.com\r\nBcc: b@y.com", "<a@x.com>"):
        assert not rules.looks_like_email(bad)


def test_mail_is_retried_while_the_server_is_down_then_given_up():
    assert rules.mail_retry_after(1) == timedelta(seconds=5)
    assert rules.mail_retry_after(50) == timedelta(hours=1)
    assert rules.mail_retry_after(rules.MAIL_MAX_ATTEMPTS) is None
