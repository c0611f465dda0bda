-- Liaison migration 019 (issue 14, the security tables' purge).

-- Failed logins are forgotten after 15 quiet minutes (no failure since),
-- for an account and for a name that is none alike, so that a
-- login_throttle row has an age: liaison-worker deletes the rows whose
-- window or lock has passed (they would start afresh anyway).
ALTER TABLE staff
    ADD COLUMN last_failed_at DATETIME NULL AFTER locked_until;
ALTER TABLE login_throttle
    ADD COLUMN last_failed_at DATETIME NULL,
    ADD KEY k_login_throttle_failed (last_failed_at);

-- the failures counted so far: their quiet time starts now
UPDATE staff SET last_failed_at =
    CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', '+08:00') WHERE failed_logins > 0;
UPDATE login_throttle SET last_failed_at =
    CONVERT_TZ(UTC_TIMESTAMP(), '+00:00', '+08:00');
