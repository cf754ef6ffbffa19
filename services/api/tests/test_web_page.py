"""The web page's files as the API serves them (Flask's test client on fakes): the headers that keep the
page safe and fresh, the files the page asks for, and the OpenAPI document left to the API.
What the page does in a browser is tested in tests/browser."""

from __future__ import annotations

import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from taskoverflow_api.bootstrap import bootstrap
from taskoverflow_api.calendar_jobs.fakes import FakeCalendarJobStore
from taskoverflow_api.config import ApiSettings
from taskoverflow_api.openapi import document
from taskoverflow_api.todos.fakes import FakeTodoStore
from taskoverflow_api.web.routes import STATIC

SETTINGS = ApiSettings(database_url="postgresql://unused/x")
JAVASCRIPT_TYPES = {"text/javascript", "application/javascript"}


@pytest.fixture
def client() -> FlaskClient:
    todos = FakeTodoStore()
    return bootstrap(SETTINGS, todos=todos, calendar_jobs=FakeCalendarJobStore(todos)).test_client()


class _PageParser(HTMLParser):
    """What index.html loads, and anything inline that a strict CSP would refuse."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if "style" in attributes or any(name.startswith("on") for name in attributes):
            self.inline.append(f"<{tag}> attribute")
        if tag == "style" or (tag == "script" and not attributes.get("src")):
            self.inline.append(f"<{tag}> element")
        for name in ("src", "href"):
            value = attributes.get(name)
            if value and value.startswith("/static/"):
                self.loaded.append(value)


def _page(client: FlaskClient) -> _PageParser:
    parser = _PageParser()
    parser.feed(client.get("/").get_data(as_text=True))
    return parser


def _module_imports(source: str) -> list[str]:
    return re.findall(r"""^import .* from "(\./[\w.-]+)";$""", source, flags=re.MULTILINE)


def test_the_page_is_served_at_the_root_under_a_strict_policy(client: FlaskClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy.split("; ")
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_page_has_nothing_inline_for_the_policy_to_refuse(client: FlaskClient) -> None:
    assert _page(client).inline == []


def test_every_file_the_page_and_its_modules_load_is_served_with_its_type(client: FlaskClient) -> None:
    # Given what index.html loads, and what each JavaScript module imports in turn
    to_fetch = list(_page(client).loaded)
    seen: dict[str, str] = {}
    while to_fetch:
        path = to_fetch.pop()
        if path in seen:
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        seen[path] = response.mimetype
        if path.endswith(".js"):
            folder = path.rsplit("/", 1)[0]
            to_fetch += [
                f"{folder}/{name.removeprefix('./')}" for name in _module_imports(response.get_data(as_text=True))
            ]

    # Then the stylesheet, the icon and all the modules came, each as a browser will take it (nosniff)
    types = set(seen.values())
    assert {"text/css", "image/svg+xml"} <= types
    assert {seen[p] for p in seen if p.endswith(".js")} <= JAVASCRIPT_TYPES
    # And no module in the folder is left unreachable from the page
    modules = {f"/static/js/{p.name}" for p in (STATIC / "js").glob("*.js")}
    assert modules == {p for p in seen if p.endswith(".js")}


def test_files_are_revalidated_and_answered_304_when_unchanged(client: FlaskClient) -> None:
    for path in ("/", "/static/js/main.js"):
        first = client.get(path)
        assert first.headers["Cache-Control"] == "no-cache", path
        assert first.headers["ETag"], path

        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})

        assert again.status_code == 304, path
        assert again.get_data() == b""


@pytest.mark.parametrize("path", ["/static/nothing.js", "/static/../routes.py", "/static/%2e%2e/routes.py"])
def test_a_file_that_is_not_the_pages_is_a_json_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert response.get_json() == {"error": "Not found"}


def test_api_answers_carry_nosniff_too(client: FlaskClient) -> None:
    for response in (client.get("/api/v1/todos"), client.get("/api/v1/todos/999")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_openapi_document_describes_only_the_api(client: FlaskClient) -> None:
    # The page and its files are not API operations: schemathesis runs stay on the API.
    assert all(path.startswith("/api/v1/") for path in document()["paths"])


def test_every_file_of_the_page_ships_in_the_package() -> None:
    # The image installs the package, not the source tree: a file no package-data pattern names is
    # missing there while every test on the source tree passes.
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["taskoverflow_api"]
    package = STATIC.parents[1]
    files = [path.relative_to(package) for path in STATIC.rglob("*") if path.is_file()]
    assert files
    assert [str(f) for f in files if not any(f.match(pattern) for pattern in patterns)] == []
