-- The notifier's record of what it published: one row per job end (claim -> publish -> confirm),
-- so a redelivered CalendarJobFinished does not become a second email.
CREATE TABLE notifications (
    job_id         uuid NOT NULL,
    status         text NOT NULL CHECK (status IN ('SUCCESS', 'FAILURE')),
    -- timestamptz, not the API's timestamp(0): the lease is compared with now() to the
    -- microsecond, and a claim's claimed_at is the token that releases only that claim.
    -- NULL: nobody is publishing (never claimed, or the last publish failed and let go).
    claimed_at     timestamptz,
    published_at   timestamptz,
    sns_message_id text,
    subject        text,
    -- No foreign key to calendar_jobs: the notifier reads only its messages, never the jobs.
    PRIMARY KEY (job_id, status)
);
