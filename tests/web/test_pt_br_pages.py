"""Issue 10 item 16: every desk and handheld page, rendered in Portuguese for the demo warehouse (plus a
receipt, counts, a returned unit and a webhook endpoint), shows no English word and no "1 <plural>".

One data set and one walk for the module: the pages are fetched once, the tests read them."""
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import String, Text, select, text

from wms.extensions import db

# Whole words that, on a pt_BR page, can only be English (none of them is Portuguese). Words in capitals are codes
# (DOCK-01, SKU).
ENGLISH = {
    "the", "and", "of", "with", "for", "from", "to", "is", "are", "was", "not", "yes", "none", "all",
    "unit", "units", "pending", "putaway", "count", "counted", "payment", "paid", "channel", "quantity",
    "location", "locations", "order", "orders", "stock", "items", "line", "lines", "save", "cancel",
    "back", "next", "previous", "receipt", "received", "pick", "picked", "picking", "adjustment", "adjustments",
    "move", "moves", "ship", "shipped", "shipping", "packed", "packing", "return", "returned", "returns",
    "replenish", "replenishment", "released", "quarantine", "blocked", "recalled", "cancelled", "open", "closed",
    "waiting", "approved", "rejected", "done", "new", "edit", "delete", "search", "filter", "weight",
    "box", "boxes", "tote", "case", "cases", "pallet", "lot", "lots", "expiry", "expires", "product", "products",
    "sku", "wave", "waves", "task", "tasks", "status", "reason", "note", "user", "date", "when", "supplier",
    "customer", "carrier", "tracking", "label", "labels", "printer", "print", "job", "jobs", "sent", "failed",
    "queued", "error", "errors", "warning", "cycle", "request", "variance", "scrap", "damaged", "good",
    "authorized", "standard", "express", "site", "shop", "marketplace", "loaded", "manifest", "dock", "driver",
    "posted", "delivered", "transit", "delivery", "attempt", "awaiting", "reserve", "face", "staging", "arrived",
    "wrong", "defective", "changed", "other", "mixed", "settings", "empty", "full", "late", "today",
}
# English words Brazilian warehouses use as they are (SKU, status, "picking" for the pick face), and channel and
# service names kept as the stores call them: not leaks.
ALLOWED = {"sku", "status", "site", "marketplace", "standard", "express", "picking"}
# Portuguese singulars that end in s, allowed after a "1".
SINGULAR_ENDING_IN_S = {"mês", "lápis", "ônibus", "vírus", "gás"}
WORD = re.compile(r"[A-Za-zÀ-ÿ]+")
ONE_PLURAL = re.compile(r"(?<![\d.,])\b1 ([a-zà-ú]+s)\b")


def english_words(text: str) -> list[str]:
    """The English words (of ENGLISH, less ALLOWED and codes in capitals) a Portuguese text shows, sorted."""
    return sorted({w for w in WORD.findall(text) if w.lower() in ENGLISH - ALLOWED and not w.isupper()})


def plurals_after_one(text: str) -> list[str]:
    """Each "1 <plural>" of the text, with its surroundings."""
    return [f"…{text[max(0, m.start() - 30):m.end() + 20]}…" for m in ONE_PLURAL.finditer(text)
            if m.group(1) not in SINGULAR_ENDING_IN_S]

# GET routes that are not pages to read: machine formats, redirects to files, the API, the static files.
NOT_PAGES = {
    "static": "static files", "health.favicon": "an icon", "health.healthz": "a machine health probe",
    "auth_admin.audit_export": "CSV", "inventory_desk.export": "CSV", "recall_desk.map_csv": "CSV",
    "reports.export": "CSV", "shipping_desk.manifest_csv": "CSV", "shipping_desk.label_pdf": "PDF",
    "printing.job_svg": "SVG label drawing (data)", "printing.label_svg": "SVG label drawing (data)",
    "desk.index": "a redirect to the desk",
}


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Text(HTMLParser):
    """The visible words of a page: text outside script/style and outside what is marked translate="no" (codes a
    machine reads: CSV columns, API scopes, event kinds), and the placeholder, title and aria-label attributes."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, hides its text)

    def _hidden(self) -> bool:
        return any(hides for _tag, hides in self._open)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hides = tag in ("script", "style", "template") or attrs.get("translate") == "no"
        if not hides and not self._hidden():
            self.parts += [v for k, v in attrs.items() if k in ("placeholder", "title", "aria-label") and v]
        if tag not in VOID:
            self._open.append((tag, hides))

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        if not self._hidden():
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


def _free_text_data() -> list[str]:
    """Every name, note and reference typed into the data set: data, whatever its language. Lower-case codes
    (`putaway`, `paid`, `count_variance`) are not taken out: those are the values a page must put in words."""
    values = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                if isinstance(value, str) and len(value) > 2 and not re.fullmatch(r"[a-z_\-]+( \d+)?", value):
                    values.add(value)
    return sorted(values, key=len, reverse=True)


def _build_data(app):
    from wms import demo
    from wms.integration import endpoints
    from wms.inventory import counts
    from wms.inventory.models import StockItem
    from wms.locations import services as locations
    from wms.receiving import dock_scan, receipts
    from wms.returns import dock
    from wms.uow import unit_of_work

    with app.app_context():
        demo.load()
        with unit_of_work():
            receipt = receipts.start_receipt(asn_id=2, user_id=None)
            dock_scan.receive_scan(receipt.id, "7891000000069", user_id=None)  # ACC-GARRAFA
            endpoints.add_endpoint("https://example.com/hook", "*", description="ERP")
            for code, delta in (("A-04-09-1", -1), ("A-04-07-3", -40)):  # one applied, one waits for approval
                location = locations.by_code(code)
                task = counts.open_count(location.id, user_id=None)
                item = db.session.scalars(select(StockItem).where(StockItem.location_id == location.id)).first()
                counts.submit_count(task.id, {(item.product_id, item.lot_id, item.lpn_id): item.quantity + delta},
                                    user_id=None)
            counts.open_count(locations.by_code("A-01-01-1").id, user_id=None)
            recalled = db.session.scalar(text("SELECT l.code FROM lots l JOIN recalls r ON r.lot_id = l.id"))
            dock.receive_unit(1, "7891000000052", lot_code=recalled, user_id=None)  # SAN-ALCOOL70
        db.session.remove()


def _first_ids() -> dict:
    tables = {"asn_id": "asns", "order_id": "orders", "rma_id": "rmas", "wave_id": "waves",
              "endpoint_id": "webhook_endpoints", "location_id": "locations", "job_id": "print_jobs",
              "printer_id": "printers", "product_id": "products", "lot_id": "lots", "receipt_id": "receipts",
              "task_id": "count_tasks", "unit_id": "return_units", "manifest_id": "shipping_manifests",
              "shipment_id": "shipments"}
    ids = {arg: db.session.scalar(text(f"SELECT min(id) FROM {table}")) for arg, table in tables.items()}
    ids["subject_id"] = 1
    ids["aisle"], ids["bay"] = 1, 1
    return ids


def _urls(app, ids) -> list[tuple[str, str]]:
    from wms.reports.queries import REPORTS

    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.rule.startswith("/api/") or rule.endpoint in NOT_PAGES:
            continue
        if rule.endpoint == "reports.report":
            urls += [(rule.endpoint, f"/desk/reports/{name}") for name in REPORTS]
            continue
        url = rule.rule + ("?sku=NOPE&lot=X" if rule.endpoint == "recall_desk.find" else "")  # finds nothing
        for argument in rule.arguments - set(rule.defaults or ()):
            url = re.sub(rf"<(?:\w+:)?{argument}>", str(ids[argument]), url)
        urls.append((rule.endpoint, url))
    return urls


@pytest.fixture(scope="module")
def pages(app):
    """{url: visible text} of every page, in Portuguese, with the data's own text taken out."""
    from tests.conftest import empty_database

    with app.app_context():
        empty_database()
    _build_data(app)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "pt-BR"
    assert client.post("/login", data={"username": "admin", "password": "admin"}).status_code == 302
    with app.app_context():
        ids = _first_ids()
        data = _free_text_data()
        db.session.remove()
    found = {}
    for endpoint, url in _urls(app, ids):
        headers = {"HX-Request": "true"} if endpoint == "board.live" else {}
        response = client.get(url, headers=headers)
        assert response.status_code == (404 if endpoint == "recall_desk.find" else 200), (url, response.status_code)
        page = visible_text(response.get_data(as_text=True))
        for value in data:
            page = page.replace(value, " ")
        found[url] = page
    with app.app_context():
        empty_database()
    return found


def test_the_walk_reads_every_page(pages):
    assert len(pages) > 90
    assert all(pages.values())


def test_no_english_word_on_a_portuguese_page(pages):
    leaks = [f"{url}: {', '.join(words)}" for url, page in pages.items() if (words := english_words(page))]
    assert not leaks, f"{len(leaks)} pages with English words:\n" + "\n".join(leaks)


def test_no_plural_after_one(pages):
    wrong = [f"{url}: {found}" for url, page in pages.items() for found in plurals_after_one(page)]
    assert not wrong, f"{len(wrong)} plurals after 1:\n" + "\n".join(wrong)
