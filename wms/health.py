from flask import Blueprint, jsonify
from sqlalchemy import text

from . import uow
from .extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # the point of this endpoint is to say so, not to crash
        uow.abandon()
        return jsonify(status="error", database=str(exc.__class__.__name__)), 503
    return jsonify(status="ok", database="ok")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on every page; answer with the app's icon instead of a 404."""
    from flask import current_app, send_from_directory

    response = send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
