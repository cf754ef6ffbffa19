-- The transactional outbox: a message to send is a row written in the same transaction as the
-- change it announces (a new job, a job failed by the reconciler); a relay sends the rows and marks
-- them sent. So no job exists whose message was never going to be sent.
CREATE TABLE outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_type    text NOT NULL,
    -- to_dict(message): the message as it travels, its type and version included.
    body            jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    -- A failed send waits (backing off) before the next try: a broker outage is not a busy loop.
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    sent_at         timestamptz
);

-- What the relay reads: the unsent rows, oldest due first.
CREATE INDEX outbox_unsent ON outbox (next_attempt_at) WHERE sent_at IS NULL;

-- When the job's GenerateCalendar last went into the outbox: the reconciler re-sends a job that has
-- waited too long since then.
ALTER TABLE calendar_jobs ADD COLUMN dispatched_at timestamptz NOT NULL DEFAULT now();

-- What the reconciler reads: the jobs not finished, and the recently finished ones (whose
-- notification it looks for in `notifications`).
CREATE INDEX calendar_jobs_unfinished ON calendar_jobs (created_at)
    WHERE status IN ('PENDING', 'STARTED', 'RETRY');
CREATE INDEX calendar_jobs_finished ON calendar_jobs (finished_at)
    WHERE status IN ('SUCCESS', 'FAILURE');
