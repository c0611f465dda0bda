-- Liaison schema, migration 002: what liaison-worker owns.  The outbox of
-- every notification (WeChat subscribe and template messages, SMS, WeCom)
-- with its delivery log, the access tokens the worker holds for the module,
-- the A8 escalation ladder, subscribe-message consents and admin alerts.
-- docs/worker.md describes each table's life cycle.
--
-- As in 001, DATETIME columns hold Beijing civil time written by the
-- program from its own clock (the worker's `--now` in tests), never NOW().

-- One row per message to deliver.  Producers (the module, the worker's
-- ladder) INSERT a 'pending' row with next_attempt_at; the worker claims
-- due rows with SELECT ... FOR UPDATE SKIP LOCKED, marks them 'sending'
-- with a lease (claimed_by, claimed_until) and records the outcome:
--   sent     delivered (sent_at)
--   pending  to be retried at next_attempt_at (transient error)
--   failed   permanent error, last_code/last_error say which
--   dead     gave up after the configured number of attempts
-- A 'sending' row whose lease has expired belongs to a worker that died:
-- it goes back to 'pending'.
CREATE TABLE outbox (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    channel             ENUM('wx_subscribe', 'wx_template', 'sms', 'wecom')
                        NOT NULL,
    -- openid (wx_*), mobile number (sms), WeCom userid (wecom)
    recipient           VARCHAR(128) NOT NULL,
    template_id         VARCHAR(128) NULL,
    -- channel-specific JSON, see docs/worker.md
    payload             JSON         NOT NULL,
    ticket_id           BIGINT UNSIGNED NULL,
    -- what it is about: ladder_warning, ticket_reply, case_node, ...
    kind                VARCHAR(32)  NOT NULL,
    status              ENUM('pending', 'sending', 'sent', 'failed', 'dead')
                        NOT NULL DEFAULT 'pending',
    attempts            INT UNSIGNED NOT NULL DEFAULT 0,
    next_attempt_at     DATETIME     NOT NULL,
    -- WeChat/WeCom errcode, or http_NNN, timeout, network, no_consent ...
    last_code           VARCHAR(32)  NULL,
    last_error          VARCHAR(255) NULL,
    created_at          DATETIME     NOT NULL,
    sent_at             DATETIME     NULL,
    claimed_by          VARCHAR(64)  NULL,
    claimed_until       DATETIME     NULL,
    KEY k_outbox_due (status, next_attempt_at),
    KEY k_outbox_lease (status, claimed_until),
    KEY k_outbox_ticket (ticket_id),
    KEY k_outbox_recipient (recipient, channel)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every delivery attempt, for audit and support.
CREATE TABLE delivery_attempts (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    outbox_id           BIGINT UNSIGNED NOT NULL,
    at                  DATETIME     NOT NULL,
    channel             VARCHAR(16)  NOT NULL,
    -- sent, retry, failed, dead, token (token error, refreshed and retried),
    -- released (claimed, not sent: shutdown), lease_expired
    result              VARCHAR(16)  NOT NULL,
    code                VARCHAR(32)  NULL,
    detail              VARCHAR(255) NULL,
    worker              VARCHAR(64)  NOT NULL,
    elapsed_ms          INT UNSIGNED NULL,
    KEY k_delivery_attempts_outbox (outbox_id, id),
    KEY k_delivery_attempts_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Access tokens held by the worker, the one process that fetches them:
-- 'wx_stable' (WeChat stable_token), 'wecom' (WeCom gettoken).  The module
-- reads them from here; nobody else refreshes them.
CREATE TABLE access_tokens (
    name                VARCHAR(32)  NOT NULL PRIMARY KEY,
    token               VARCHAR(1024) NOT NULL,
    expires_at          DATETIME     NOT NULL,
    refreshed_at        DATETIME     NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- The A8 ladder: one row per step reached by a work order, so that no
-- step fires twice.  level: 0 warning at due time, 1 reminder half a
-- working day before, 2 department leader, 3 vice president in charge,
-- 4 president.  status 'skipped': recorded without sending (a reminder
-- first seen after the due time).
CREATE TABLE escalations (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id           BIGINT UNSIGNED NOT NULL,
    level               TINYINT UNSIGNED NOT NULL,
    status              ENUM('fired', 'skipped') NOT NULL,
    due_instant         DATETIME     NOT NULL,
    fired_at            DATETIME     NOT NULL,
    -- staff ids the step went to, comma-separated
    recipients          VARCHAR(255) NULL,
    UNIQUE KEY uk_escalations_step (ticket_id, level),
    CONSTRAINT fk_escalations_ticket FOREIGN KEY (ticket_id)
        REFERENCES tickets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- WeChat subscribe-message consent per (openid, template): remaining sends
-- of one-time subscriptions (NULL: a long-term subscription).  The worker
-- decrements it on each delivery and zeroes it on 43101.
CREATE TABLE subscribe_consents (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    litigant_id         BIGINT UNSIGNED NULL,
    openid              VARCHAR(64)  NOT NULL,
    template_id         VARCHAR(128) NOT NULL,
    remaining           INT UNSIGNED NULL,
    status              ENUM('active', 'used_up', 'rejected') NOT NULL
                        DEFAULT 'active',
    created_at          DATETIME     NOT NULL,
    updated_at          DATETIME     NOT NULL,
    UNIQUE KEY uk_subscribe_consents (openid, template_id),
    KEY k_subscribe_consents_litigant (litigant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Alerts to the administrators, at most one per kind and day:
-- 'calendar_missing' (next year's working-day calendar not loaded on or
-- after 1 December, or this year's missing).
CREATE TABLE system_alerts (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind                VARCHAR(32)  NOT NULL,
    day                 DATE         NOT NULL,
    detail              VARCHAR(255) NOT NULL,
    created_at          DATETIME     NOT NULL,
    UNIQUE KEY uk_system_alerts (kind, day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The WeCom member id of a staff member (staff alerts); NULL: SMS only.
ALTER TABLE staff ADD COLUMN IF NOT EXISTS wecom_userid VARCHAR(64) NULL;
