-- Liaison migration 007: every journey closes (issue 12).
--
-- A caller without a WeChat identity (web, kiosk, hall, hotline) adds to
-- and rates a request with its query code: feedback has no litigant then.

ALTER TABLE ticket_feedback
    MODIFY COLUMN litigant_id BIGINT UNSIGNED NULL;
