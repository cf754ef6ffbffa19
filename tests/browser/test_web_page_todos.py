"""The web page in a real browser against the API under gunicorn on PostgreSQL: a person adds, edits,
completes, filters and deletes todos, reads the API's own errors, works with the keyboard alone,
and reads the page on a phone. Every claim is checked both on the page and, where it matters, in
what the API stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Page, expect

from browser_pages import PHONE, TIME_ZONE, PageLog, save_screenshot

pytestmark = pytest.mark.integration


def stored_todos(api: str, **params: str) -> list[dict]:
    response = requests.get(f"{api}/api/v1/todos", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def a_deadline_in(days: int) -> tuple[str, str]:
    """17:00 in the browser's time zone `days` from now: as typed into the page, and as the API stores it."""
    local = datetime.now(ZoneInfo(TIME_ZONE)).replace(hour=17, minute=0, second=0, microsecond=0) + timedelta(days)
    return local.strftime("%Y-%m-%dT%H:%M"), local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def todo_item(page: Page, title: str):
    return page.get_by_role("listitem").filter(has=page.get_by_text(title, exact=True))


def add_todo(page: Page, title: str, *, description: str = "", deadline: str = "") -> None:
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill(description)
    page.get_by_label("Deadline").fill(deadline)
    page.get_by_role("button", name="Add todo").click()
    expect(page.get_by_role("status").filter(has_text=f"Added “{title}”.")).to_be_visible()


def test_a_todo_is_added_edited_completed_filtered_and_deleted(api: str, page: Page, page_log: PageLog) -> None:
    # Given the page over an empty list
    page.goto(api)
    expect(page.get_by_text("No todos yet: add one above.")).to_be_visible()

    # When a person adds a todo due in three days at 17:00 their time, and one without a deadline
    typed, stored = a_deadline_in(3)
    add_todo(page, "Submit report", description="Quarterly numbers", deadline=typed)
    add_todo(page, "Buy milk")

    # Then both are listed, the deadline shown in their time zone, and stored in UTC
    report = todo_item(page, "Submit report")
    expect(report).to_contain_text("Quarterly numbers")
    expect(report.locator("time")).to_contain_text("5:00 PM GMT+10")
    expect(report.locator("time")).to_have_attribute("datetime", f"{stored}Z")
    assert [(t["title"], t["deadline_at"]) for t in stored_todos(api)] == [
        ("Submit report", stored),
        ("Buy milk", None),
    ]

    # When they edit it: the form shows what is stored, in their time
    report.get_by_role("button", name="Edit “Submit report”").click()
    expect(page.get_by_role("heading", name="Edit “Submit report”")).to_be_visible()
    expect(page.get_by_label("Deadline")).to_have_value(typed)
    page.get_by_label("Title").fill("Submit the report")
    page.get_by_role("button", name="Save changes").click()

    # Then the list and the API have the new title, and the deadline did not move
    expect(todo_item(page, "Submit the report")).to_be_visible()
    expect(page.get_by_role("heading", name="Add a todo")).to_be_visible()
    assert [(t["title"], t["deadline_at"]) for t in stored_todos(api)] == [
        ("Submit the report", stored),
        ("Buy milk", None),
    ]

    # When they tick it done
    page.get_by_role("checkbox", name="Done: Submit the report").check()

    # Then it is stored as completed, and still shown ticked after the list is read again
    expect(page.get_by_text("Marked “Submit the report” done.")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Done: Submit the report")).to_be_checked()
    assert [t["completed"] for t in stored_todos(api)] == [True, False]

    # When they filter: done only, then not done, then due within a day, then within a week
    show = page.get_by_label("Show")
    due_within = page.get_by_label("Due within (days)")
    items = page.get_by_role("list").get_by_role("listitem")
    show.select_option(label="Done")
    expect(items).to_have_count(1)
    expect(todo_item(page, "Submit the report")).to_be_visible()
    show.select_option(label="Not done")
    expect(items).to_have_count(1)
    expect(todo_item(page, "Buy milk")).to_be_visible()
    show.select_option(label="All")
    due_within.fill("1")
    expect(page.get_by_text("No todos match the filter.")).to_be_visible()
    due_within.fill("7")
    expect(items).to_have_count(1)
    expect(todo_item(page, "Submit the report")).to_be_visible()
    due_within.fill("")
    expect(items).to_have_count(2)

    # When they delete the other one
    todo_item(page, "Buy milk").get_by_role("button", name="Delete “Buy milk”").click()

    # Then it is gone from the page and from the API
    expect(page.get_by_text("Deleted “Buy milk”.")).to_be_visible()
    expect(items).to_have_count(1)
    assert [t["title"] for t in stored_todos(api)] == ["Submit the report"]
    # And nothing went wrong in the browser on the way
    assert page_log.console_errors == []


def test_the_apis_own_error_reaches_the_person(api: str, page: Page) -> None:
    # Given a title one character over the API's limit (the page leaves that rule to the API)
    title = "x" * 81
    api_says = requests.post(f"{api}/api/v1/todos", json={"title": title}, timeout=10).json()["error"]
    page.goto(api)

    # When a person tries to add it
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Add todo").click()

    # Then they read the API's words, and what they typed is still there to fix
    expect(page.get_by_role("alert")).to_have_text(f"Not added: {api_says}")
    assert "80" in api_says
    expect(page.get_by_label("Title")).to_have_value(title)
    assert stored_todos(api) == []


def test_a_filter_the_api_refuses_is_explained_in_its_words(api: str, page: Page) -> None:
    # Given a "due within" the API does not take (the number field lets a minus sign through)
    api_says = requests.get(f"{api}/api/v1/todos", params={"window": "-1"}, timeout=10).json()["error"]
    page.goto(api)

    # When a person types it
    page.get_by_label("Due within (days)").fill("-1")

    # Then they read why the list could not be loaded
    expect(page.get_by_role("alert")).to_have_text(f"Could not load your todos: {api_says}")


def test_subscribe_shows_what_the_api_answered_in_words(api: str, page: Page) -> None:
    # Given the selection Subscribe will send, and the API's own answer to it (a negative window is refused)
    api_says = requests.post(f"{api}/api/v1/calendar-feeds", json={"completed": None, "window": -1}, timeout=10)
    assert api_says.status_code >= 400, api_says.text
    page.goto(api)
    page.get_by_label("Due within (days)").fill("-1")

    # When a person subscribes
    page.get_by_role("button", name="Subscribe").click()

    # Then the API's error is shown in words, not swallowed
    expect(page.get_by_role("alert").filter(has_text="Could not create a feed")).to_have_text(
        f"Could not create a feed: {api_says.json()['error']}"
    )


def test_a_todo_can_be_added_and_completed_with_the_keyboard_alone(api: str, page: Page) -> None:
    page.goto(api)

    # When a person tabs to the first field, types, and presses Enter, twice
    page.keyboard.press("Tab")
    expect(page.get_by_label("Title")).to_be_focused()
    page.keyboard.type("Call the bank")
    page.keyboard.press("Enter")
    expect(todo_item(page, "Call the bank")).to_be_visible()
    # the form is ready for the next one
    expect(page.get_by_label("Title")).to_be_focused()
    expect(page.get_by_label("Title")).to_have_value("")
    page.keyboard.type("Book flights")
    page.keyboard.press("Enter")
    expect(todo_item(page, "Book flights")).to_be_visible()

    # When they tab on to the first todo's "Done" box and press Space
    done = page.get_by_role("checkbox", name="Done: Call the bank")
    for _ in range(40):
        if done.evaluate("box => box === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(done).to_be_focused()
    page.keyboard.press("Space")

    # Then it is done, and the focus stayed on it
    expect(page.get_by_text("Marked “Call the bank” done.")).to_be_visible()
    expect(done).to_be_checked()
    expect(done).to_be_focused()
    assert [(t["title"], t["completed"]) for t in stored_todos(api)] == [
        ("Call the bank", True),
        ("Book flights", False),
    ]


def test_the_page_reads_at_phone_width(api: str, phone_page: Page) -> None:
    # Given todos with long words and text, as people write them
    for todo in (
        {"title": "Renew passport", "description": "Photos, the old passport, and the form"},
        {"title": "Supercalifragilisticexpialidocious-rehearsal-notes", "description": "x" * 120},
    ):
        created = requests.post(f"{api}/api/v1/todos", json={**todo, "deadline_at": a_deadline_in(2)[1]}, timeout=10)
        assert created.status_code == 201, created.text

    # When the page is opened on a phone
    phone_page.goto(api)
    expect(phone_page.get_by_role("list").get_by_role("listitem")).to_have_count(2)

    # Then nothing needs sideways scrolling, and every control is on screen
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for name in ("Add todo", "Export calendar", "Subscribe", "Edit “Renew passport”", "Delete “Renew passport”"):
        box = phone_page.get_by_role("button", name=name).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name
    save_screenshot(phone_page, "phone")


def test_the_page_runs_under_its_policy_without_a_console_error(api: str, page: Page, page_log: PageLog) -> None:
    # When the page is loaded and used
    response = page.goto(api)
    add_todo(page, "Water the plants")
    page.get_by_role("checkbox", name="Done: Water the plants").check()
    expect(page.get_by_role("checkbox", name="Done: Water the plants")).to_be_checked()

    # Then it came with its policy, and nothing was refused or went wrong
    assert response is not None
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert page_log.console_errors == []

    # And the policy is really enforced, and its refusals would be seen: an inline script is refused
    with page.expect_console_message(lambda m: m.type == "error" and "Content Security Policy" in m.text):
        page.evaluate("""() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.append(script);
        }""")
    assert page.evaluate("window.inlineRan === undefined")
    assert any("Content Security Policy" in text for text in page_log.console_errors)
