"""The front door: the home page, and API docs that render with no internet."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from expense_sync import __version__

# Pages only: nothing here touches the database, so one backend is enough.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class Links(HTMLParser):
    """Every URL a page loads or links to (``src`` and ``href``)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def urls_of(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize(
    ("page", "assets"),
    [
        ("/docs", {"text/javascript": 1, "text/css": 1}),
        ("/redoc", {"text/javascript": 1}),
    ],
)
def test_docs_pages_load_only_same_origin_assets(
    api: TestClient, page: str, assets: dict[str, int]
) -> None:
    answer = api.get(page)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in answer.text
    assert "http://" not in answer.text and "https://" not in answer.text, "a CDN or font link"
    urls = urls_of(answer.text)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    served: dict[str, int] = {}
    for url in urls:
        asset = api.get(url)
        assert asset.status_code == 200, url
        kind = asset.headers["content-type"].split(";")[0]
        served[kind] = served.get(kind, 0) + 1
        if kind in ("text/javascript", "text/css"):
            assert len(asset.content) > 100_000, f"{url} is not the bundled distribution"
    for kind, count in assets.items():
        assert served.get(kind) == count, served


def test_only_the_bundled_assets_are_served(api: TestClient) -> None:
    assert api.get("/docs-assets/swagger-ui.css").status_code == 200
    for name in ("core.py", "..%2F__init__.py", "nope.js"):
        assert api.get(f"/docs-assets/{name}").status_code == 404, name


def test_home_page_names_the_product_and_links_what_exists(api: TestClient) -> None:
    home = api.get("/")
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    assert "expense-sync" in home.text and __version__ in home.text
    links = urls_of(home.text)
    assert {"/docs", "/redoc", "/openapi.json"} <= set(links)
    assert "/health" not in links, "a link to a dashboard this app does not have"
    for link in links:
        if not link.startswith("data:"):
            assert api.get(link).status_code == 200, link

    api.app.add_api_route("/health", lambda: "Sync Health")  # type: ignore[attr-defined]
    assert "/health" in urls_of(api.get("/").text)
