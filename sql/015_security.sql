-- Liaison migration 015 (issue 14, security).

-- Staff login attempts counted before the password hash runs, for the
-- user names that are no active account ('u' + name: they lock like an
-- account does, in staff.failed_logins / locked_until) and for each
-- client address ('a' + address: failures in a window of 15 minutes).
-- Rows are small and few; an expired row starts afresh when touched.
CREATE TABLE login_throttle (
    k                   VARCHAR(100) NOT NULL PRIMARY KEY,
    failed_logins       INT UNSIGNED NOT NULL DEFAULT 0,
    locked_until        DATETIME     NULL,
    KEY k_login_throttle_until (locked_until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Plaintext message pushes: the signature covers token, timestamp and
-- nonce only, so a (timestamp, nonce) seen with one body is refused with
-- another while the time window lasts (the same body is WeChat's retry).
CREATE TABLE wx_push_nonces (
    nonce_key           VARCHAR(80)  NOT NULL PRIMARY KEY,
    body_sha256         CHAR(64)     NOT NULL,
    expires_at          DATETIME     NOT NULL,
    KEY k_wx_push_nonces_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- A case subscription keeps the verified phone's keyed hash, so that
-- when the trial system replaces a case's parties it follows the same
-- person to the new party row, or ends with their removal.
ALTER TABLE case_subscriptions
    ADD COLUMN phone_hash CHAR(64) NULL AFTER party_id;
UPDATE case_subscriptions s JOIN case_parties p ON p.id = s.party_id
    SET s.phone_hash = p.phone_hash;

-- A17 by complaints counts verified identities only (a litigant token,
-- a staff member's registration); an anonymous complaint is recorded
-- and supervised along, but does not count.
ALTER TABLE complaint_keys
    ADD COLUMN verified TINYINT(1) NOT NULL DEFAULT 1 AFTER ticket_id;
