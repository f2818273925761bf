"""The production command of the README (gunicorn with its config: several worker processes) starts and answers
/healthz on 127.0.0.1."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_with_the_project_config_serves_healthz(tmp_path, database_url):
    pytest.importorskip("gunicorn")
    port = _free_port()
    env = dict(os.environ, WMS_BIND=f"127.0.0.1:{port}", WMS_WORKERS="2", SECRET_KEY="test-only",
               DATABASE_URL=database_url if database_url.startswith("postgresql")
               else f"sqlite:///{tmp_path / 'wms.sqlite'}")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, answer = time.monotonic() + 60, None
        while time.monotonic() < deadline and answer is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    answer = (response.status, json.loads(response.read()))
            except OSError:
                assert server.poll() is None, server.stdout.read()
                time.sleep(0.3)
        assert answer == (200, {"status": "ok", "database": "ok"})
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert output.count("Booting worker") == 2, output
