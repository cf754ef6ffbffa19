"""The /api/v1/calendar-feeds endpoints: create a feed, revoke it, and serve it to calendar apps.

Serving only reads the latest calendar built for the feed's selection (one query, the text left
out on a matching ETag): a poll never builds anything."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, Response, request

from ..dependencies import dependencies
from ..responses import error_response, json_response
from ..selection_request import requested_selection
from .models import CalendarFeedRequest
from .ports import FeedStore
from .rebuilds import queue_feed_rebuilds
from .tokens import looks_like_token, new_token, token_hash

blueprint = Blueprint("calendar_feeds", __name__, url_prefix="/api/v1/calendar-feeds")

# How often calendar apps should poll (REFRESH-INTERVAL / X-PUBLISHED-TTL are in the calendar itself).
RETRY_FIRST_BUILD_S = 2


def _feeds() -> FeedStore | None:
    return dependencies().feeds


def _unavailable() -> Response:
    return error_response(503, "Calendar feeds are not configured on this server (no BROKER_URL)")


def _webcal(url: str) -> str:
    # webcal:// is http(s):// for calendar apps; they pick https themselves when the server asks.
    return urlunsplit(urlsplit(url)._replace(scheme="webcal"))


@blueprint.post("")
def create() -> Response:
    selection = requested_selection(CalendarFeedRequest)
    deps = dependencies()
    if deps.feeds is None:
        return _unavailable()
    feed_id, token = str(uuid.uuid4()), new_token()
    deps.feeds.create(feed_id, token_hash(token), selection)
    queue_feed_rebuilds(deps.feeds, deps.wake_relay, delay_ms=0)  # its first calendar now
    feed_url = f"{deps.settings.public_base_url}/api/v1/calendar-feeds/{token}.ics"
    body_out = {"id": feed_id, "feed_url": feed_url, "webcal_url": _webcal(feed_url)}
    return json_response(body_out, 201, {"Location": feed_url})


# A UUID only: anything else (a feed's own "<token>.ics") is no feed id, and OPTIONS must not offer DELETE there.
@blueprint.delete("/<uuid:feed_id>")
def revoke(feed_id: uuid.UUID) -> Response:
    feeds = _feeds()
    if feeds is None:
        return _unavailable()
    if feeds.revoke(str(feed_id)) is None:
        return error_response(404, "Feed not found")
    # Revoking twice is revoking: the feed is gone either way.
    return Response(status=204)


@blueprint.get("/<token>.ics")
def serve(token: str) -> Response:
    feeds = _feeds()
    if feeds is None:
        return _unavailable()
    if_none_match = request.if_none_match
    tags = {"*"} if if_none_match.star_tag else if_none_match.as_set(include_weak=True)
    served = feeds.served(token_hash(token), tags) if looks_like_token(token) else None
    if served is None:
        return error_response(404, "Feed not found")
    if served.revoked:
        return error_response(410, "This feed was revoked")
    if served.etag is None:
        response = error_response(503, "The feed's first calendar is being built; try again in a few seconds")
        response.headers["Retry-After"] = str(RETRY_FIRST_BUILD_S)
        return response
    headers = {"ETag": f'"{served.etag}"', "Cache-Control": "no-cache"}
    if served.ics is None or if_none_match.star_tag:
        return Response(status=304, headers=headers)
    response = Response(served.ics, status=200, mimetype="text/calendar", headers=headers)
    if served.changed_at is not None:
        response.last_modified = served.changed_at
    if "If-Modified-Since" in request.headers and not if_none_match:
        # For clients that send a date and no ETag: make_conditional turns the response into a 304.
        response.make_conditional(request)
    return response
