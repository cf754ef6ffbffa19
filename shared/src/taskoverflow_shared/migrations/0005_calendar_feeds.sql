-- Calendar feeds: a saved selection behind an unguessable URL that calendar apps poll.
--
-- feed_calendars holds one built calendar per distinct selection: feeds asking for the same todos
-- share it, so an edit costs one build per selection however many people subscribed.
CREATE TABLE feed_calendars (
    id              uuid PRIMARY KEY,
    completed       boolean,
    window_days     integer CHECK (window_days >= 0),
    -- The latest calendar built (NULL until the first build): what every poll is answered with.
    ics             text,
    etag            text,
    event_count     integer,
    -- When the snapshot of the latest build was read, and when its content last changed (Last-Modified).
    built_at        timestamptz,
    changed_at      timestamptz,
    -- The last todo edit that touched this selection: stale while later than built_at.
    edited_at       timestamptz NOT NULL DEFAULT now(),
    -- A rebuild is queued: later edits only wait for it (coalescing). Cleared when a build starts.
    build_queued_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (completed, window_days)
);

CREATE TABLE calendar_feeds (
    id           uuid PRIMARY KEY,
    -- SHA-256 of the URL's token: the token itself is stored nowhere, so a copy of the database
    -- does not give away anybody's feed.
    token_sha256 bytea NOT NULL UNIQUE,
    calendar_id  uuid NOT NULL REFERENCES feed_calendars (id),
    created_at   timestamp(0) NOT NULL DEFAULT date_trunc('second', now() AT TIME ZONE 'UTC'),
    -- Revoked feeds stay as tombstones so their URL answers 410 Gone rather than 404.
    revoked_at   timestamp(0)
);

CREATE INDEX calendar_feeds_live ON calendar_feeds (calendar_id) WHERE revoked_at IS NULL;
-- The periodic clean-up looks for finished jobs by age.
CREATE INDEX calendar_jobs_finished_at ON calendar_jobs (finished_at) WHERE finished_at IS NOT NULL;

-- Every todo write marks the feed calendars whose selection held the todo before or holds it after
-- as edited, in the same transaction, whoever wrote it. clock_timestamp(), not now(): a build whose
-- snapshot starts after this write's transaction began but before it committed must still read as
-- older than the edit (the row lock taken here makes that build's claim wait for the commit).
CREATE FUNCTION todo_in_feed_selection(c feed_calendars, completed boolean, deadline_at timestamp)
RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT (c.completed IS NULL OR c.completed = completed)
       AND (c.window_days IS NULL
            OR (deadline_at IS NOT NULL
                AND deadline_at <= (now() AT TIME ZONE 'UTC') + make_interval(days => c.window_days)))
$$;

CREATE FUNCTION todos_mark_feed_calendars_edited() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE feed_calendars c SET edited_at = clock_timestamp()
    WHERE EXISTS (SELECT 1 FROM calendar_feeds f WHERE f.calendar_id = c.id AND f.revoked_at IS NULL)
      AND ((TG_OP <> 'INSERT' AND todo_in_feed_selection(c, OLD.completed, OLD.deadline_at))
        OR (TG_OP <> 'DELETE' AND todo_in_feed_selection(c, NEW.completed, NEW.deadline_at)));
    RETURN NULL;
END
$$;

CREATE TRIGGER todos_mark_feed_calendars_edited AFTER INSERT OR UPDATE OR DELETE ON todos
    FOR EACH ROW EXECUTE FUNCTION todos_mark_feed_calendars_edited();

-- A poll of a feed: its calendar, without the text when the client's ETag still matches. A PL/pgSQL
-- function, so that each connection plans the join once, not on every poll (measured: the plain join
-- spent more time being planned than run, ~20% of the API's time per poll).
CREATE FUNCTION feed_served(token bytea, client_etags text[])
RETURNS TABLE (revoked boolean, etag text, changed_at timestamptz, ics text) LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
        SELECT f.revoked_at IS NOT NULL, c.etag, c.changed_at,
               CASE WHEN c.etag = ANY(client_etags) THEN NULL ELSE c.ics END
        FROM calendar_feeds f JOIN feed_calendars c ON c.id = f.calendar_id
        WHERE f.token_sha256 = token;
END
$$;
