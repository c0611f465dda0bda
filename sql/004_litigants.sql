-- Liaison migration 004: litigants and lawyers (issue 3).  WeChat
-- identities, the trial system's cases with their parties and process
-- nodes, case subscriptions, follow-up messages and feedback on tickets,
-- what the triage rules found, and signed ingest requests already seen.
--
-- As in 001, DATETIME columns hold Beijing civil time written by the
-- program from its own clock, never NOW().

-- A litigant or lawyer known by their WeChat identity (mini-program
-- openid; unionid when the app is bound to an Open Platform account).
-- The session_key WeChat returns is never stored.
CREATE TABLE litigants (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    openid              VARCHAR(64)  NOT NULL,
    unionid             VARCHAR(64)  NULL,
    created_at          DATETIME     NOT NULL,
    last_login_at       DATETIME     NOT NULL,
    UNIQUE KEY uk_litigants_openid (openid),
    KEY k_litigants_unionid (unionid)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- Cases as the trial system sends them (POST /ingest/cases).  The case
-- number is stored parsed as well as normalised (court-domain rules).
ALTER TABLE cases
    ADD COLUMN case_year        SMALLINT UNSIGNED NULL AFTER case_no,
    ADD COLUMN court_code       VARCHAR(32)  NULL AFTER case_year,
    ADD COLUMN special_code     VARCHAR(8)   NULL AFTER court_code,
    ADD COLUMN type_code        VARCHAR(32)  NULL AFTER special_code,
    ADD COLUMN serial           VARCHAR(64)  NULL AFTER type_code,
    ADD COLUMN suffix           VARCHAR(32)  NULL AFTER serial,
    ADD COLUMN legacy           TINYINT(1)   NOT NULL DEFAULT 0 AFTER suffix,
    ADD COLUMN department_code  VARCHAR(32)  NULL AFTER department_id,
    ADD COLUMN judge_name       VARCHAR(64)  NULL AFTER judge_staff_id;

-- Parties and lawyers of a case.  phone_hash is the hex HMAC-SHA256 of the
-- 11-digit mobile number under the key shared with the trial system
-- (liaison_phone_hash_key_file): the number itself is never stored.
CREATE TABLE case_parties (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    case_id             BIGINT UNSIGNED NOT NULL,
    kind                ENUM('party', 'lawyer') NOT NULL,
    role                VARCHAR(32)  NOT NULL,
    name                VARCHAR(100) NOT NULL,
    phone_hash          CHAR(64)     NULL,
    KEY k_case_parties_case (case_id, phone_hash),
    CONSTRAINT fk_case_parties_case FOREIGN KEY (case_id)
        REFERENCES cases (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Process nodes (A7): one row per trial-system event; a replayed event id
-- changes nothing.
CREATE TABLE case_nodes (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event_id            VARCHAR(64)  NOT NULL,
    case_id             BIGINT UNSIGNED NOT NULL,
    type                VARCHAR(32)  NOT NULL,
    occurred_at         DATETIME     NOT NULL,
    detail              VARCHAR(1000) NULL,
    created_at          DATETIME     NOT NULL,
    UNIQUE KEY uk_case_nodes_event (event_id),
    KEY k_case_nodes_case (case_id, occurred_at),
    CONSTRAINT fk_case_nodes_case FOREIGN KEY (case_id)
        REFERENCES cases (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A litigant verified as a party or lawyer of a case (by WeChat's phone
-- number matched against case_parties.phone_hash); nodes of the case are
-- pushed to them.  Consents per template live in subscribe_consents (002).
CREATE TABLE case_subscriptions (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    case_id             BIGINT UNSIGNED NOT NULL,
    litigant_id         BIGINT UNSIGNED NOT NULL,
    party_id            BIGINT UNSIGNED NULL,
    kind                ENUM('party', 'lawyer') NOT NULL,
    verified_at         DATETIME     NOT NULL,
    created_at          DATETIME     NOT NULL,
    UNIQUE KEY uk_case_subscriptions (case_id, litigant_id),
    KEY k_case_subscriptions_litigant (litigant_id),
    CONSTRAINT fk_case_subscriptions_case FOREIGN KEY (case_id)
        REFERENCES cases (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Follow-up information from the owner (POST /tickets/{no}/messages).
-- content_review: NULL (not sent for checking: no WeChat identity),
-- 'pending' (a wx_sec_check outbox row waits), then the worker's verdict
-- 'pass', 'review' or 'risky'.
CREATE TABLE ticket_messages (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id           BIGINT UNSIGNED NOT NULL,
    author_kind         VARCHAR(16)  NOT NULL,
    author_id           BIGINT UNSIGNED NULL,
    content             TEXT         NOT NULL,
    content_review      VARCHAR(16)  NULL,
    created_at          DATETIME     NOT NULL,
    KEY k_ticket_messages_ticket (ticket_id, id),
    CONSTRAINT fk_ticket_messages_ticket FOREIGN KEY (ticket_id)
        REFERENCES tickets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Satisfaction, once per ticket, after it is closed.
CREATE TABLE ticket_feedback (
    ticket_id           BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    litigant_id         BIGINT UNSIGNED NOT NULL,
    rating              TINYINT UNSIGNED NOT NULL,
    comment             TEXT         NULL,
    created_at          DATETIME     NOT NULL,
    CONSTRAINT fk_ticket_feedback_ticket FOREIGN KEY (ticket_id)
        REFERENCES tickets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- What the triage rules (data/triage-rules.txt) found in a ticket's text:
-- the rule that set the track, and every risk rule that matched.
CREATE TABLE triage_hits (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id           BIGINT UNSIGNED NOT NULL,
    message_id          BIGINT UNSIGNED NULL,
    rule_id             VARCHAR(32)  NOT NULL,
    action              VARCHAR(16)  NOT NULL,
    label               VARCHAR(32)  NOT NULL,
    created_at          DATETIME     NOT NULL,
    KEY k_triage_hits_ticket (ticket_id),
    KEY k_triage_hits_rule (rule_id, created_at),
    CONSTRAINT fk_triage_hits_ticket FOREIGN KEY (ticket_id)
        REFERENCES tickets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- On the ticket: the rule that decided the track (NULL: the category),
-- the A10 risk flag with the rules that raised it, and the content check
-- (as ticket_messages.content_review; 'risky' puts it before staff).
ALTER TABLE tickets
    ADD COLUMN triage_rule      VARCHAR(32)  NULL,
    ADD COLUMN risk_flag        TINYINT(1)   NOT NULL DEFAULT 0,
    ADD COLUMN risk_rules       VARCHAR(255) NULL,
    ADD COLUMN content_review   VARCHAR(16)  NULL;

-- Signed ingest requests already applied, by signature: a replay within
-- the timestamp window gets the first answer and changes nothing.  Rows
-- older than the window may be deleted.
CREATE TABLE ingest_requests (
    signature           CHAR(64)     NOT NULL PRIMARY KEY,
    endpoint            VARCHAR(32)  NOT NULL,
    status              SMALLINT UNSIGNED NOT NULL,
    response            TEXT         NOT NULL,
    received_at         DATETIME     NOT NULL,
    KEY k_ingest_requests_received (received_at)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- The content check (WeChat msg_sec_check) goes through the outbox too:
-- channel 'wx_sec_check', recipient the openid, payload
-- {"content", "scene", "ticket_id", "message_id"}; see docs/api.md.
ALTER TABLE outbox
    MODIFY COLUMN channel ENUM('wx_subscribe', 'wx_template', 'sms',
                               'wecom', 'wx_sec_check') NOT NULL;
