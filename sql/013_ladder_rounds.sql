-- Liaison migration 013: the A8 ladder covers every waiting state (issue
-- 12).  A request climbs the ladder once per round: round_no is the number
-- of times it was reopened when the step fired (a reopening gives it a new
-- due time and a new ladder; a hand-back changes neither), so a step fires
-- once per (ticket, round, level).  Steps recorded before are round 0.
ALTER TABLE escalations
    ADD COLUMN round_no SMALLINT UNSIGNED NOT NULL DEFAULT 0 AFTER ticket_id,
    DROP INDEX uk_escalations_step,
    ADD UNIQUE KEY uk_escalations_step (ticket_id, round_no, level);
