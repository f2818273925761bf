"""Retaguarda WMS: the warehouse behind an online store."""
from pathlib import Path

from flask import Flask, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from . import access, config, guard, uow
from .errors import RACE_LOST, Conflict, DomainError, lost_to_another_writer
from .extensions import babel, csrf, db, htmx, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


class WmsFlask(Flask):
    """Flask whose every request is one unit of work (wms/uow.py): committed when the answer is a success,
    rolled back when the view raised or answered with an error, so a refused input changes nothing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync: dict = {}

    def ensure_sync(self, func):
        """Flask asks of every hook, context processor and view, on every request (~20 a scan), whether it is a
        coroutine function: here the answer is kept per function."""
        try:
            return self._sync[func]
        except KeyError:
            made = self._sync[func] = super().ensure_sync(func)
            return made

    def dispatch_request(self):
        response = None

        def success() -> bool:
            return response is not None and response.status_code < 400

        with uow.unit_of_work(commit=success):
            response = self.make_response(super().dispatch_request())
        return response


def create_app(test_config: dict | None = None) -> Flask:
    app = WmsFlask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    if test_config:
        app.config.update(test_config)

    app.before_request(uow.start_request)  # first: before the login is loaded
    app.teardown_request(uow.end_request)
    guard.install(app)
    from .auth.cookies import ShiftSessionInterface

    app.session_interface = ShiftSessionInterface()
    _init_extensions(app)
    _init_message_bus(app)
    _escape_lazy_text(app)
    _register_blueprints(app)
    _register_error_handlers(app)
    _secure_headers(app)
    app.before_request(access.enforce)
    app.before_request(guard.check_request)

    from .cli import register as register_cli

    register_cli(app)
    return app


# The app's own scripts and htmx only: no inline script, no eval, no framing, no other origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


def _secure_headers(app: Flask) -> None:
    if app.config.get("WMS_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["WMS_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def _escape_lazy_text(app: Flask) -> None:
    """Flask-Babel's lazy strings claim to be safe HTML (`__html__`), so a message like "%(code)s is not a
    known location" would print a scanned `<script>` unescaped. Turn them into plain text before Jinja
    escapes its output."""
    from flask_babel.speaklater import LazyString

    app.jinja_env.finalize = lambda value: str(value) if isinstance(value, LazyString) else value


def _init_message_bus(app: Flask) -> None:
    from . import handlers

    bus = uow.MessageBus()
    handlers.register(bus)
    app.extensions["wms.bus"] = bus


def _serve_static_files_well(app: Flask) -> None:
    """Static files are named by their content hash (`asset()` adds ?v=<hash>): a handheld keeps them for a
    year without asking again; an unversioned URL is checked every time. Text answers (pages, htmx fragments,
    scripts, JSON) go gzip-compressed to clients that accept it (Flask-Compress)."""
    from flask_compress import Compress

    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = None  # Flask's own default would win over a setdefault
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/plain", "text/csv", "application/javascript", "text/javascript",
        "application/json", "image/svg+xml"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_STREAMS", True)  # static files and CSV exports are streamed: gzip them chunk by chunk
    Compress(app)

    @app.after_request
    def cache_versioned_static(response):
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def _init_extensions(app: Flask) -> None:
    from . import i18n

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    login_manager.init_app(app)
    login_manager.session_protection = "basic"

    from .auth import loading

    users = loading.UserCache(app.config.get("WMS_USER_CACHE_SECONDS", 5.0))

    @login_manager.user_loader
    def load_user(session_id: str):
        return loading.user_for_session(session_id, users)

    _serve_static_files_well(app)
    asset_versions: dict[str, str] = {}

    def asset(filename: str) -> str:
        """A static file's URL with its content hash, so handhelds cache it for good and still get changes."""
        if filename not in asset_versions:
            import hashlib

            data = (ROOT / "static" / filename).read_bytes()
            asset_versions[filename] = hashlib.sha256(data).hexdigest()[:10]
        return url_for("static", filename=filename, v=asset_versions[filename])

    @app.context_processor
    def template_globals():
        from flask_babel import get_locale

        return {"csrf_token": generate_csrf, "get_locale": get_locale, "asset": asset}

    from . import formatting

    formatting.register(app)


def _register_blueprints(app: Flask) -> None:
    from . import models  # noqa: F401  every model is known before the first request
    from .api import bp as api_bp
    from .auth.views import bp as auth_bp
    from .desk import bp as desk_bp
    from .handheld import bp as handheld_bp
    from .health import bp as health_bp

    models.register_area_blueprints(app)  # areas add API routes to api_bp before it is registered
    from .auth import admin_views

    admin_views.register(app)
    for blueprint in (health_bp, auth_bp, desk_bp, handheld_bp, api_bp):
        app.register_blueprint(blueprint)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _error_page(code, message):
    """The error page in the layout of the screen it replaces: the handheld's under /hh/, the desk's else."""
    template = "errors/hh_error.html" if request.path.startswith("/hh/") else "errors/error.html"
    return render_template(template, code=code, message=message), code


def _htmx_error(app: Flask, message, status: int):
    """An error that escaped a view, for htmx: shown above the screen, which stays as it was (its scan input
    included), instead of replacing the screen."""
    response = app.make_response((render_template("_partials/error.html", message=message), status))
    response.headers["X-Scan-Result"] = "bad"
    response.headers["HX-Retarget"] = "#request-error"
    response.headers["HX-Reswap"] = "innerHTML"
    return response


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        uow.abandon()
        if _wants_json():
            return access.api_error(exc.status, str(exc), **exc.details)
        if request.headers.get("HX-Request"):
            return _htmx_error(app, str(exc), exc.status)
        return _error_page(exc.status, str(exc))

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        from flask_login import current_user

        if not current_user.is_authenticated:
            return access.unauthenticated()
        message = _("This screen is out of date: it was reloaded, try again.")
        if _wants_json():
            return access.api_error(400, message)
        if request.headers.get("HX-Request"):
            response = app.make_response(("", 400))
            response.headers["HX-Refresh"] = "true"
            return response
        return _error_page(400, message)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        messages = {
            400: _("The request was not understood."),
            401: _("Please log in."),
            403: _("Your role does not allow this screen."),
            404: _("Not found."),
            405: _("This action is not allowed here."),
            409: str(RACE_LOST),
            413: _("The file is too large."),
            422: _("The data was not accepted."),
        }
        message = messages.get(exc.code or 500, exc.description)
        if _wants_json():
            response = access.api_error(exc.code or 500, str(message))
            if getattr(exc, "valid_methods", None):  # 405 says which methods the address takes
                response.headers["Allow"] = ", ".join(exc.valid_methods)
            return response
        if request.headers.get("HX-Request"):
            return _htmx_error(app, message, exc.code)
        return _error_page(exc.code, message)

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError):
        """A deadlock, a serialization failure, a lock wait given up or a duplicate key: another worker's
        transaction was in the way. Rolled back like a refusal (409), the worker scans again; anything else is
        unexpected."""
        if not lost_to_another_writer(exc):
            return unexpected(exc)
        app.logger.warning("Lost to another writer on %s %s: %s", request.method, request.path, exc.orig)
        return domain_error(Conflict(RACE_LOST))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        uow.abandon()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        message = _("Something went wrong on our side; nothing was changed. Try again or call your supervisor.")
        if _wants_json():
            return access.api_error(500, message)
        if request.headers.get("HX-Request"):
            return _htmx_error(app, message, 500)
        return _error_page(500, message)
