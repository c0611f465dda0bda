-- Liaison migration 005: oversight (A9/A15 liaison directory, A10 risk
-- warnings, A2 KPIs, A11/A12/A16 monthly bulletin, A13/A14 follow-ups,
-- A17 special supervision).

-- When a dispatched work order must be accepted (dispatch + 1 working
-- day, computed by the module on the calendar): the timely-acceptance KPI
-- compares accepted_at with it.  supervised: A17 special supervision.
ALTER TABLE tickets
    ADD COLUMN accept_due_at      DATETIME     NULL AFTER dispatched_at,
    ADD COLUMN supervised         TINYINT(1)   NOT NULL DEFAULT 0,
    ADD COLUMN referred_at        DATETIME     NULL,
    ADD KEY k_tickets_created (created_at);

-- A9/A15: each department's liaison, with history.  The current record is
-- the newest by id.  changed_on: the day the person or number changed;
-- reported_on: the day the department reported it to the case-filing
-- division (due within 5 working days); published_on: the day it went on
-- the platform (due within 2 working days of the report).
CREATE TABLE liaison_records (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    department_id       INT UNSIGNED NOT NULL,
    name                VARCHAR(50)  NOT NULL,
    title               VARCHAR(50)  NOT NULL,
    office_phone        VARCHAR(32)  NOT NULL,
    mobile              VARCHAR(20)  NOT NULL,
    changed_on          DATE         NOT NULL,
    reported_on         DATE         NOT NULL,
    published_on        DATE         NOT NULL,
    report_days         SMALLINT UNSIGNED NOT NULL,
    publish_days        SMALLINT UNSIGNED NOT NULL,
    recorded_by         INT UNSIGNED NULL,
    created_at          DATETIME     NOT NULL,
    KEY k_liaison_records_department (department_id, id),
    CONSTRAINT fk_liaison_records_department FOREIGN KEY (department_id)
        REFERENCES departments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A10: emergency warnings and their closed loop
-- received -> investigated -> assessed -> handled -> fed_back.
CREATE TABLE risks (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id           BIGINT UNSIGNED NULL,
    level               VARCHAR(16)  NOT NULL,
    source              VARCHAR(16)  NOT NULL,      -- staff, rule
    raised_by           INT UNSIGNED NULL,
    rule_id             VARCHAR(32)  NULL,
    note                TEXT         NOT NULL,
    stage               VARCHAR(16)  NOT NULL,
    stage_since         DATETIME     NOT NULL,
    stage_alerted       TINYINT(1)   NOT NULL DEFAULT 0,
    created_at          DATETIME     NOT NULL,
    closed_at           DATETIME     NULL,
    KEY k_risks_open (closed_at, stage_since),
    KEY k_risks_ticket (ticket_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE risk_events (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    risk_id             BIGINT UNSIGNED NOT NULL,
    stage               VARCHAR(16)  NOT NULL,
    staff_id            INT UNSIGNED NULL,
    note                TEXT         NULL,
    created_at          DATETIME     NOT NULL,
    UNIQUE KEY uk_risk_events_stage (risk_id, stage),
    CONSTRAINT fk_risk_events_risk FOREIGN KEY (risk_id)
        REFERENCES risks (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A12: the monthly bulletin as the worker generated it, kept in each of
-- the forms it is served in.
CREATE TABLE monthly_reports (
    month               CHAR(7)      NOT NULL PRIMARY KEY,   -- YYYY-MM
    body_json           LONGTEXT     NOT NULL,
    body_csv            LONGTEXT     NOT NULL,
    body_html           LONGTEXT     NOT NULL,
    generated_at        DATETIME     NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A13/A14: follow-up items ("回头看") with owners and due dates.
CREATE TABLE follow_ups (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    title               VARCHAR(200) NOT NULL,
    detail              TEXT         NULL,
    owner_staff_id      INT UNSIGNED NOT NULL,
    department_id       INT UNSIGNED NULL,
    ticket_id           BIGINT UNSIGNED NULL,
    due_on              DATE         NOT NULL,
    status              VARCHAR(16)  NOT NULL DEFAULT 'open',
    created_by          INT UNSIGNED NOT NULL,
    created_at          DATETIME     NOT NULL,
    done_at             DATETIME     NULL,
    KEY k_follow_ups_owner (owner_staff_id, status),
    KEY k_follow_ups_due (status, due_on)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A17: what a complaint is about (the caller's phone, the case, the
-- litigant), so that repeated complaints about the same matter within the
-- window put the tickets under special supervision.
CREATE TABLE complaint_keys (
    match_key           VARCHAR(160) NOT NULL,
    ticket_id           BIGINT UNSIGNED NOT NULL,
    created_at          DATETIME     NOT NULL,
    PRIMARY KEY (match_key, ticket_id),
    KEY k_complaint_keys_ticket (ticket_id),
    CONSTRAINT fk_complaint_keys_ticket FOREIGN KEY (ticket_id)
        REFERENCES tickets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
