-- Calendar export jobs. The API inserts a row with a snapshot of the selected todos;
-- the calendar-worker moves it through the statuses and stores the .ics text.
CREATE TABLE calendar_jobs (
    id              uuid PRIMARY KEY,
    status          text NOT NULL DEFAULT 'PENDING'
                    CHECK (status IN ('PENDING', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE')),
    -- The todos as they were when the job was asked for (what the calendar shows).
    todos           jsonb NOT NULL,
    todo_count      integer NOT NULL,
    selection       jsonb NOT NULL DEFAULT '{}',
    idempotency_key text,
    correlation_id  text,
    ics             text,
    event_count     integer,
    error           text,
    attempts        integer NOT NULL DEFAULT 0,
    created_at      timestamp(0) NOT NULL DEFAULT date_trunc('second', now() AT TIME ZONE 'UTC'),
    started_at      timestamp(0),
    finished_at     timestamp(0),
    -- When the worker sent CalendarJobFinished: a redelivered message re-sends only if unset.
    announced_at    timestamp(0)
);

-- One live job per idempotency key; the API clears the key of a job older than 24 h.
CREATE UNIQUE INDEX calendar_jobs_idempotency_key ON calendar_jobs (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
