"""Small helpers every screen uses."""
from flask import make_response


def feedback(body, *, ok: bool, status: int = 200):
    """A response that tells the handheld which sound and colour to play."""
    response = make_response(body, status)
    response.headers["X-Scan-Result"] = "ok" if ok else "bad"
    return response
