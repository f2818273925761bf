"""The session cookie: Flask's signed cookie, re-signed at most once a minute instead of on every answer.

A login lasts PERMANENT_SESSION_LIFETIME (12 hours) from the last time the cookie was signed, so a handheld in use
all shift stays logged in. Flask re-signs a permanent session on every response to slide that window; on a
handheld scan that was a tenth of the request's CPU (issue #16). Here the cookie is re-signed when the session
changed, or when its signature is older than REFRESH_AFTER: the window still slides, a minute at a time.
"""
from datetime import UTC, datetime

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

REFRESH_AFTER = 60  # seconds


class ShiftSessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._serializers: dict = {}

    def get_signing_serializer(self, app):
        """One serializer per secret key (Flask builds one per request)."""
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:
                self._serializers = {key: serializer}
        return serializer

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        return signed_at is None or (datetime.now(UTC) - signed_at).total_seconds() >= REFRESH_AFTER
