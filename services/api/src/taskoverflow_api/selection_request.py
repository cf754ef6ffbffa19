"""The todo selection a calendar request asks for: its JSON body's `completed`/`window`, else its
query string's (an export job and a feed ask the same way)."""

from __future__ import annotations

from flask import request

from .calendar_jobs.models import CalendarJobRequest
from .request_body import json_body
from .todos.selection import Selection
from .todos.validation import completed_filter, window_filter


def requested_selection(model: type[CalendarJobRequest]) -> Selection:
    """The selection of the current request, parsed by `model` (its error messages); raises the API's 400s."""
    body = model.parse(json_body(optional=True, default={}))
    # Parsed even when the body overrides them: a malformed value is refused wherever it is.
    query_completed = completed_filter(request.args.get("completed"))
    query_window = window_filter(request.args.get("window"))
    return body.selection(query_completed=query_completed, query_window=query_window)
