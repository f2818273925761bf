"""The production server: `gunicorn -c gunicorn.conf.py wsgi:app` (see README, Configuration).

Processes, not threads: the app is CPU-bound Python (templates, the ORM), so a warehouse gets one worker process
per half core, 2 × cores by default (WMS_WORKERS), each serving one request at a time (sync workers: a handheld
request is a few milliseconds). Bind address from WMS_BIND (default 0.0.0.0:8000)."""
import multiprocessing
import os

bind = os.environ.get("WMS_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WMS_WORKERS") or 2 * multiprocessing.cpu_count())
worker_class = "sync"
timeout = 60
graceful_timeout = 20
keepalive = 5
max_requests = 20_000  # a worker is replaced now and then (memory stays flat)
max_requests_jitter = 2_000
accesslog = "-" if os.environ.get("WMS_ACCESS_LOG") else None
forwarded_allow_ips = os.environ.get("WMS_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Before any worker starts: make the instance folder and its secret key once, so every worker signs
    sessions with the same key (when SECRET_KEY is not set)."""
    from pathlib import Path

    from wms import config

    config.from_environment(Path(__file__).resolve().parent / "instance")
