"""The integration's knobs: an app setting, else the environment variable of the same name, else the default.

WMS_WEBHOOK_TIMEOUT (s, 15)   WMS_WEBHOOK_LEASE (s, 60: a claim older than this is taken again)
WMS_SMTP_URL (smtp://user:pass@host:587?starttls=1; unset: e-mails wait)   WMS_MAIL_FROM
WMS_MAIL_LEASE (s, 120)
"""
from __future__ import annotations

import os

from flask import current_app


def setting(name: str, default):
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        return default
    if isinstance(default, float):
        try:
            return float(value)
        except (TypeError, ValueError):
            return default
    return value


def secret_key() -> str:
    return str(current_app.config["SECRET_KEY"])
