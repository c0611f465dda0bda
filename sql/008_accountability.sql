-- Liaison migration 008: A17 accountability.
--
-- Special supervision records when it started and why: 'complaints'
-- (repeated complaints about one matter), 'rating' (a satisfaction rating
-- of 1 or 2), 'idle' (a work order with no action for the configured
-- working days, set by the worker) or 'manual' (a leader or the
-- case-filing division, for evasive or perfunctory handling).  A referral
-- to discipline inspection is concluded by a discipline inspector
-- (staff.role 'discipline'): referral_concluded_at.

ALTER TABLE tickets
    ADD COLUMN supervised_at          DATETIME    NULL AFTER supervised,
    ADD COLUMN supervised_reason      VARCHAR(16) NULL AFTER supervised_at,
    ADD COLUMN referral_concluded_at  DATETIME    NULL AFTER referred_at,
    ADD KEY k_tickets_referred (referred_at),
    ADD KEY k_tickets_idle (supervised, status, department_id);

UPDATE tickets t
SET t.supervised_at = COALESCE((SELECT MIN(e.created_at)
                                FROM ticket_events e
                                WHERE e.ticket_id = t.id
                                  AND e.type = 'supervised'),
                               t.updated_at),
    t.supervised_reason = 'complaints'
WHERE t.supervised = 1;
