-- Liaison migration 007: every journey closes (issue 12).
--
-- A caller without a WeChat identity (web, kiosk, hall, hotline) adds to
-- and rates a request with its query code: feedback has no litigant then.

ALTER TABLE ticket_feedback
    MODIFY COLUMN litigant_id BIGINT UNSIGNED NULL;

-- A party's mobile when the trial system sends it: case-node notices reach
-- a party who never subscribed on WeChat by SMS (A7).  Shown masked only.
ALTER TABLE case_parties
    ADD COLUMN mobile VARCHAR(20) NULL AFTER phone_hash;
