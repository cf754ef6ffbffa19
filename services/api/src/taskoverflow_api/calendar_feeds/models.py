"""A feed request as clients send it, and the feed as the API answers: each rule once, validating the
body and generating its part of the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, Field

from ..calendar_jobs.models import CalendarJobRequest


class CalendarFeedRequest(CalendarJobRequest):
    """Which todos the feed shows (the list endpoint's `completed` and `window`, the window counted
    from each build); null, or a field left out, selects as if not given."""

    UNKNOWN_FIELDS: ClassVar[str] = "unknown fields: {names} (a feed takes 'completed' and 'window')"


class FeedCreated(BaseModel):
    """The feed: subscribe a calendar app to `webcal_url` (or `feed_url`); keep `id` to revoke it.
    The URL's token is the only thing that grants access, and is shown only here."""

    id: Annotated[str, Field(json_schema_extra={"format": "uuid"})]
    feed_url: Annotated[str, Field(json_schema_extra={"format": "uri"})]
    webcal_url: Annotated[str, Field(json_schema_extra={"format": "uri"})]
