-- A job cancelled before it started is deleted, but its message may already be on the queue (the
-- relay sends within moments). Its id stays here, so the worker can tell "cancelled: skip it" from
-- "no such job: dead-letter it for a look". The calendar-worker's clean-up forgets old ones.
CREATE TABLE cancelled_calendar_jobs (
    id           uuid PRIMARY KEY,
    cancelled_at timestamptz NOT NULL DEFAULT now()
);
