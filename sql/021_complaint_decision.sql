-- Liaison migration 021 (issue 15, intake under contention).

-- A17 repeated complaints are decided by liaison-worker, not inside the
-- complaint's intake transaction: the intake writes its keys only (no
-- lock of the matter, no read of its earlier complaints), and each worker
-- pass reads the keys of the window once for every matter.  The pass
-- takes the window by this index.
ALTER TABLE complaint_keys
    ADD KEY k_complaint_keys_created (created_at);
