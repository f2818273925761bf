"""The stack with nothing of the product in it, for bench/ceiling.py: a Flask app served by gunicorn as the product
is (sync workers), answering a handheld's POST with a constant fragment of What's here?'s size.

- POST /bare: the fragment, nothing else (what Flask and gunicorn cost a request);
- POST /sql: first What's here?'s SQL statements, captured from the product by bench/ceiling.py, run with psycopg
  on one autocommit connection per worker (no ORM, no login, no session, no template), then the fragment.

Environment: CEILING_SQL (a pickle of [[(statement, parameters), ...], ...], one list per scan), CEILING_DATABASE
(a libpq URL), CEILING_BYTES (the fragment's size).
"""
import os
import pickle

import psycopg
from flask import Flask, request

app = Flask(__name__)

with open(os.environ["CEILING_SQL"], "rb") as f:
    SCANS = pickle.load(f)  # noqa: S301 - our own file, written by bench/ceiling.py a moment ago
FRAGMENT = "<p>" + "x" * int(os.environ.get("CEILING_BYTES", "3000")) + "</p>"
_connection: list[psycopg.Connection] = []


def connection() -> psycopg.Connection:
    if not _connection:
        _connection.append(psycopg.connect(os.environ["CEILING_DATABASE"], autocommit=True))
    return _connection[0]


@app.post("/bare")
def bare():
    return FRAGMENT


@app.post("/sql")
def sql():
    statements = SCANS[int(request.form.get("k", "0")) % len(SCANS)]
    with connection().cursor() as cursor:
        for statement, parameters in statements:
            cursor.execute(statement, parameters or None)
            if cursor.description:
                cursor.fetchall()
    return FRAGMENT
