"""Entries per pick line on the handheld: how many scans (or Enters) a picker makes for one line of a wave.

    python bench/entries.py            # SQLite in a temp folder
    DATABASE_URL=postgresql://postgres@127.0.0.1/wms_bench python bench/entries.py

Drives the real handheld screens through Flask's test client, the way a scanner posts: at each step it enters
what a picker would (the location, the product's barcode, the lot when asked, Enter at "how many", the tote when
asked) and counts the posts a line takes. Binding the totes and leaving them in staging are counted apart
(they are per wave, not per line).
"""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_app  # noqa: E402  (puts the repository on the path)

HX = {"HX-Request": "true"}
_FORM = re.compile(r'<form class="scan".*?</form>', re.S)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def _state(html: str) -> dict:
    return dict(_HIDDEN.findall(_FORM.search(html).group(0)))


def _step(html: str) -> str:
    match = re.search(r'data-step="([a-z_]+)"', html)
    return match.group(1) if match else ""


_TOTES = iter(f"TOTE-{n}" for n in range(1, 1000))


def walk(client, wave_id: int, codes) -> tuple[list[int], int]:
    """Pick the whole wave; (entries of each line, entries for totes and staging)."""
    from wms.extensions import db
    from wms.picking import waves

    url = f"/hh/pick/waves/{wave_id}"
    html = client.get(url, headers=HX).get_data(as_text=True)
    per_task: dict[int, int] = {}
    other = 0
    for _ in range(500):
        step = _step(html)
        if step == "bind":
            scan, other = next(_TOTES), other + 1
        elif step == "finish":
            scan, other = "STAGE", other + 1
        elif step in ("", "done"):
            break
        else:
            db.session.expire_all()
            task = waves.next_task(wave_id)
            scan = {"location": task.location.code, "product": codes[task.product.sku],
                    "lot": task.lot.code if task.lot else "", "quantity": "",
                    "tote": task.wave_order.tote.code if task.wave_order.tote else ""}[step]
            per_task[task.id] = per_task.get(task.id, 0) + 1
        response = client.post(url, data={**_state(html), "scan": scan}, headers=HX)
        assert response.status_code == 200, response.get_data(as_text=True)
        html = response.get_data(as_text=True)
        if "finished" in html or 'id="finished"' in html:
            break
    return list(per_task.values()), other


def main():
    app, database = fresh_app()
    with app.app_context():
        from tests.factories import BOTTLE_GTIN, MEDICINE_GTIN
        from tests.picking_helpers import stocked_world, take
        from wms.auth import services
        from wms.extensions import db
        from wms.picking import waves

        services.create_user("picker", role="worker", badge="BADGE-P", pin="1234", password="picker")
        stocked_world()
        db.session.commit()
        scenarios = []
        one_order = [take([("BOTTLE", 1), ("MED", 1)])]
        scenarios.append(("one order, two lines of 1 unit", waves.build_wave(order_ids=one_order, max_orders=1,
                                                                             user_id=None).id))
        three = [take([("BOTTLE", 1)]), take([("BOTTLE", 1)]), take([("MED", 1)])]
        scenarios.append(("three orders, one line of 1 unit each", waves.build_wave(order_ids=three, max_orders=3,
                                                                                    user_id=None).id))
        three_units = [take([("BOTTLE", 3)])]
        scenarios.append(("one order, one line of 3 units", waves.build_wave(order_ids=three_units, max_orders=1,
                                                                             user_id=None).id))
        db.session.commit()
        codes = {"BOTTLE": BOTTLE_GTIN, "MED": MEDICINE_GTIN}
    client = app.test_client()
    client.post("/login", data={"username": "picker", "password": "picker"})
    print(f"Entries per pick line ({database}):")
    for name, wave_id in scenarios:
        with app.app_context():
            per_line, other = walk(client, wave_id, codes)
        print(f"  {name:42} per line {per_line}  (totes and staging: {other})")


if __name__ == "__main__":
    main()
