"""Languages: Portuguese (Brazil) first, English beside it."""
from flask import has_request_context, request, session
from flask_login import current_user

LOCALES = {"pt_BR": "Português", "en": "English"}


def select_locale() -> str:
    """The user's choice, else the session's, else the browser's, else Portuguese."""
    if not has_request_context():
        from flask import current_app

        # The command line speaks one language per run (English): its messages and the services' errors alike.
        return current_app.config.get("WMS_COMMAND_LOCALE") or "pt_BR"
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    best = request.accept_languages.best_match(["pt-BR", "pt", "en"], default="pt-BR")
    return "en" if best == "en" else "pt_BR"


def select_timezone() -> str:
    from flask import current_app

    return current_app.config["WMS_TIMEZONE"]


def bound_gettext():
    """`_` for one template render, bound to the request's translations once: Flask-Babel's `gettext` looks them
    up through the request context on every call (about 40 calls on a handheld screen, most of its i18n cost).
    Same result: the translation, %-formatted when given variables."""
    from flask_babel import get_translations

    translations = get_translations()

    def gettext(string: str, **variables) -> str:
        text = translations.ugettext(string)
        return text % variables if variables else text

    return gettext
