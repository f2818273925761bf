"""Static files: versioned by content hash and cached for a year; text compressed on the wire."""
import gzip
import re


def asset_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+\?v=[0-9a-f]+)"', html)


def test_versioned_static_files_are_cached_for_a_year_and_compressed(client, users):
    page = client.get("/hh/login")
    urls = asset_urls(page.get_data(as_text=True))
    assert any("htmx" in url for url in urls) and any("scan.js" in url for url in urls)
    for url in urls:
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    htmx_url = next(url for url in urls if "htmx" in url)
    plain = client.get(htmx_url).get_data()
    zipped = client.get(htmx_url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    body = zipped.get_data()
    assert gzip.decompress(body) == plain and len(body) < len(plain) / 2


def test_an_unversioned_static_url_is_checked_again(client, users):
    response = client.get("/static/scan.js")
    assert response.status_code == 200
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_pages_are_compressed_for_clients_that_accept_it(client, users):
    response = client.get("/hh/login", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip"
    assert b"<html" in gzip.decompress(response.get_data())
