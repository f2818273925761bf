"""What the printing screens' tests share: the background sender as in production, and following a print job's
state poll as htmx does."""
import html
import re
import time

import pytest

from wms.printing import sender

POLL = re.compile(r'hx-get="([^"]*/jobs/\d+/state[^"]*)"')


@pytest.fixture(autouse=True)
def background_sender(app, monkeypatch):
    """The production path: a request's label goes to the printer from the background sender thread. (Imported
    by a test module, it applies to each of its tests.)"""
    monkeypatch.setitem(app.config, "WMS_PRINT_SENDER", "background")
    yield
    sender.stop_background(app)  # no sender thread outlives the test


def settled(client, response, timeout=10.0):
    """Follow the answer's job-state poll as htmx does, until the job is settled: the last answer."""
    deadline = time.monotonic() + timeout
    while found := POLL.search(response.get_data(as_text=True)):
        assert time.monotonic() < deadline, "the print job never settled"
        time.sleep(0.1)
        response = client.get(html.unescape(found.group(1)), headers={"HX-Request": "true"})
    return response
