"""Foundation figures: page weight of the handheld login screen and the server time of handheld requests.

    python bench/handheld.py            # SQLite in a temp folder
    DATABASE_URL=postgresql://postgres@127.0.0.1/wms_bench python bench/handheld.py

Server time is measured in-process with Flask's test client (no network): the time from request to
response body, which is what the server adds to every scan.
"""
import gzip
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_app  # noqa: E402  (puts the repository on the path)


def timed(client, method, path, n=300, **kwargs):
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.open(path, method=method, **kwargs)
        response.get_data()
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code < 500, response.status_code
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main():
    app, database = fresh_app()
    with app.app_context():
        from wms.auth import services

        services.create_user("bench", role="worker", badge="BADGE-B", pin="1234", password="bench")
    client = app.test_client()

    print("Handheld login screen weight (what a handheld downloads on first visit):")
    page = client.get("/hh/login").data
    html = page.decode()
    import re

    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    total = total_gz = 0
    for path, body in [("/hh/login", page)] + [(a, client.get(a).data) for a in assets]:
        gz = len(gzip.compress(body, 9))
        total, total_gz = total + len(body), total_gz + gz
        print(f"  {path.split('?')[0]:40} {len(body):7,} B   gzip {gz:7,} B")
    print(f"  {'total':40} {total:7,} B   gzip {total_gz:7,} B  (assets are cached for a year, versioned by hash)")

    print(f"\nServer time per handheld request ({database}), ms:")
    rows = [("GET /hh/login", timed(client, "GET", "/hh/login"))]
    rows.append(("POST /hh/login (badge scan)", timed(
        client, "POST", "/hh/login", data={"scan": "BADGE-B"}, headers={"HX-Request": "true"})))
    client.post("/hh/login", data={"badge": "BADGE-B", "pin": "1234"}, headers={"HX-Request": "true"})
    rows.append(("GET /hh/ (menu)", timed(client, "GET", "/hh/")))
    rows.append(("POST /hh/ (menu choice, htmx)", timed(
        client, "POST", "/hh/", data={"scan": "9"}, headers={"HX-Request": "true"})))
    for name, (median, p99) in rows:
        print(f"  {name:34} median {median:6.2f}   p99 {p99:6.2f}")


if __name__ == "__main__":
    main()
