-- Issue 15: a send is recorded as started, in its own commit, before its
-- request leaves the worker.  When a worker dies, its claimed rows that
-- never started go back to pending as never sent; only the rows that had
-- started can have reached the provider (docs/worker.md, "Crashes").

ALTER TABLE outbox
    ADD COLUMN IF NOT EXISTS send_started_at DATETIME NULL
        AFTER claimed_until;
