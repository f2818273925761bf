"""A bounded fuzz of every desk and handheld form: each POST route of the app (API routes have their own
contract tests) gets each of its fields set to hostile values, one field at a time and all at once. No answer
may be a 5xx, on SQLite and on PostgreSQL.

A route's fields are read from its view's source (and the functions of its module that the view calls):
`form.get("x")`, `form["x"]`, `getlist("x")`, `values.get("x")`. Ids in URLs are 1 (the seeded world's first
row of each table). About 2,500 requests; under a minute on either database.
"""
import inspect
import re

import pytest

from tests import factories

HOSTILE = [
    "A\x00B",                      # NUL
    "²",                           # a superscript digit: str.isdigit() says yes, int() says no
    "٣",                           # Arabic-Indic 3: int() reads 3
    str(10**20),                   # beyond any integer column
    "9" * 10_000,                  # a 10,000-digit number
    "x" * 10_000,                  # 10,000 characters of text
    "ABC\u202eFED",                # right-to-left override
    '{"a": [[[[[[{"b": {"c": [1, {"d": null}]}}]]]]]]}',  # nested JSON
]

FIELD = re.compile(r"""(?:form|values|args|request\.form|data)\s*(?:\.get|\.getlist|\[)\(?\s*["']([a-z_][\w\[\]]*)["']""")
CALL = re.compile(r"\b([a-z_]\w*)\(")
SKIP = {"auth.logout"}  # would end the fuzzing session; logout has its own tests
ANONYMOUS = {"auth.login", "auth.hh_badge"}


def _fields(app, endpoint: str) -> list[str]:
    view = app.view_functions[endpoint]
    view = inspect.unwrap(view)
    module = inspect.getmodule(view)
    sources = [inspect.getsource(view)]
    for name in set(CALL.findall(sources[0])):
        helper = getattr(module, name, None)
        if inspect.isfunction(helper) and helper.__module__ == module.__name__ and helper is not view:
            sources.append(inspect.getsource(helper))
    names = {m for source in sources for m in FIELD.findall(source)}
    return sorted(names | {"scan", "quantity"})


def _url(rule) -> str:
    url = rule.rule
    for argument in rule.arguments:
        url = re.sub(rf"<(?:\w+:)?{argument}>", "1", url)
    return url


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" in rule.methods and not rule.rule.startswith("/api/") and rule.endpoint not in SKIP:
            yield rule


@pytest.fixture
def world(app, users):
    with app.app_context():
        world = factories.build_world()
        factories.receive(world, "MED", "A-01-01-1", 50, lot="L-LATE")
        factories.receive(world, "BOTTLE", "A-01-02-1", 20)
    return world


def test_no_form_field_value_answers_a_server_error(app, world):
    logged_in = app.test_client()
    logged_in.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert logged_in.post("/login", data={"username": "admin", "password": "admin"}).status_code == 302
    anonymous = app.test_client()
    anonymous.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    failures = []
    requests = 0
    for rule in _routes(app):
        client = anonymous if rule.endpoint in ANONYMOUS else logged_in
        url = _url(rule)
        fields = _fields(app, rule.endpoint)
        headers = {"HX-Request": "true"} if url.startswith("/hh") else {}
        for value in HOSTILE:
            cases = [{name: value} for name in fields] + [{name: value for name in fields}]
            for form in cases:
                requests += 1
                response = client.post(url, data=form, headers=headers)
                if response.status_code >= 500:
                    failures.append((url, next(iter(form)) if len(form) == 1 else "all", value[:20],
                                     response.status_code))
    assert requests > 1000
    if failures:
        pytest.fail(f"{len(failures)} server errors:\n" + "\n".join(map(str, failures)), pytrace=False)
