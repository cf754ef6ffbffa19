-- A job's snapshot of its todos is written once, by the API, and read once, whole, by the worker:
-- json keeps the text as PostgreSQL made it, where jsonb parsed it into a binary tree on the way in
-- and printed it back out on the way out. Measured at 1,000 todos: 6.7 -> 3.3 ms to make, 1.4 -> 0.6
-- ms to read. (Nothing queries inside a snapshot, which is all jsonb would be for.)
ALTER TABLE calendar_jobs ALTER COLUMN todos TYPE json USING todos::json;
