"""The calendar-feed endpoints' part of the OpenAPI document."""

from __future__ import annotations

from typing import Any

from ..openapi_schema import BAD_BODY, Components, error, json_body, json_content
from ..todos.validation import COMPLETED_PARAMETER, WINDOW_PARAMETER
from .models import CalendarFeedRequest, FeedCreated

_FEED_ID = {"name": "feed_id", "in": "path", "required": True, "schema": {"type": "string"}}
_TOKEN = {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
_UNAVAILABLE = error("Calendar feeds are not configured on this server (no broker).")


def paths(components: Components) -> dict[str, Any]:
    return {
        "/api/v1/calendar-feeds": {
            "post": {
                "summary": "Create a calendar feed of the selected todos",
                "description": (
                    "A feed is a saved selection (`completed`, `window`: the list endpoint's meaning, from the "
                    "JSON body or the query) behind an unguessable URL that calendar apps subscribe to. It is "
                    "rebuilt in the background when the todos it shows change, and at least hourly when it has a "
                    "window. The URL's token is shown only in this answer."
                ),
                "operationId": "createCalendarFeed",
                "parameters": [
                    {k: v for k, v in COMPLETED_PARAMETER.items() if k != "description"},
                    {k: v for k, v in WINDOW_PARAMETER.items() if k != "description"},
                ],
                "requestBody": json_body(components.inline(CalendarFeedRequest), required=False),
                "responses": {
                    "201": json_content(FeedCreated.__doc__ or "", components.ref(FeedCreated)),
                    **BAD_BODY,
                    "400": error("A selection value is malformed."),
                    "503": _UNAVAILABLE,
                },
            }
        },
        "/api/v1/calendar-feeds/{feed_id}": {
            "parameters": [_FEED_ID],
            "delete": {
                "summary": "Revoke a calendar feed",
                "description": "Its URL answers 410 Gone from now on. Revoking a revoked feed is not an error.",
                "operationId": "revokeCalendarFeed",
                "responses": {
                    "204": {"description": "The feed is revoked."},
                    "404": error("No such feed."),
                    "503": _UNAVAILABLE,
                },
            },
        },
        "/api/v1/calendar-feeds/{token}.ics": {
            "parameters": [_TOKEN],
            "get": {
                "summary": "A calendar feed (what calendar apps poll)",
                "description": (
                    "The latest calendar built for the feed, with `ETag` and `Last-Modified`; `If-None-Match` "
                    "or `If-Modified-Since` get 304 while it is unchanged. Never built in the request."
                ),
                "operationId": "calendarFeed",
                "parameters": [
                    {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "The RFC 5545 calendar.",
                        "content": {"text/calendar": {"schema": {"type": "string"}}},
                    },
                    "304": {"description": "Unchanged since the ETag or date the client sent."},
                    "404": error("No feed has this token."),
                    "410": error("The feed was revoked."),
                    "503": error(
                        "The feed's first calendar is still being built (Retry-After), or feeds are not configured."
                    ),
                },
            },
        },
    }
