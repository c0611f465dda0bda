-- Liaison schema, migration 001: departments, staff, sessions, calendar,
-- cases (minimal, extended by the trial-system ingest), tickets, their
-- timeline and idempotency records.
--
-- All DATETIME columns hold Beijing civil time (UTC+8), written by the
-- module and the worker from their own clock, never by NOW().

CREATE TABLE departments (
    id                  INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code                VARCHAR(32)  NOT NULL,
    name                VARCHAR(100) NOT NULL,
    kind                VARCHAR(16)  NOT NULL DEFAULT 'trial',
    leader_staff_id     INT UNSIGNED NULL,
    vice_president_staff_id INT UNSIGNED NULL,
    UNIQUE KEY uk_departments_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE staff (
    id                  INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username            VARCHAR(64)  NOT NULL,
    name                VARCHAR(64)  NOT NULL,
    role                VARCHAR(32)  NOT NULL,
    department_id       INT UNSIGNED NULL,
    mobile              VARCHAR(20)  NULL,
    password_hash       VARCHAR(255) NOT NULL,
    failed_logins       INT UNSIGNED NOT NULL DEFAULT 0,
    locked_until        DATETIME     NULL,
    active              TINYINT(1)   NOT NULL DEFAULT 1,
    created_at          DATETIME     NOT NULL,
    UNIQUE KEY uk_staff_username (username),
    KEY k_staff_department (department_id),
    CONSTRAINT fk_staff_department FOREIGN KEY (department_id)
        REFERENCES departments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE sessions (
    id                  CHAR(32)     NOT NULL PRIMARY KEY,
    kind                CHAR(1)      NOT NULL,
    staff_id            INT UNSIGNED NULL,
    litigant_id         BIGINT UNSIGNED NULL,
    created_at          DATETIME     NOT NULL,
    expires_at          DATETIME     NOT NULL,
    revoked_at          DATETIME     NULL,
    KEY k_sessions_staff (staff_id),
    KEY k_sessions_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

CREATE TABLE calendar_years (
    year                SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
    source              VARCHAR(200) NOT NULL,
    loaded_at           DATETIME     NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Only the exceptions: announced holiday days (off) and make-up working
-- days (work); every other day follows Monday..Friday.
CREATE TABLE calendar_days (
    day                 DATE         NOT NULL PRIMARY KEY,
    kind                ENUM('off', 'work') NOT NULL,
    year                SMALLINT UNSIGNED NOT NULL,
    KEY k_calendar_days_year (year)
) ENGINE=InnoDB DEFAULT CHARSET=ascii;

CREATE TABLE cases (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    case_no             VARCHAR(128) NOT NULL,
    department_id       INT UNSIGNED NULL,
    judge_staff_id      INT UNSIGNED NULL,
    procedure_name      VARCHAR(32)  NULL,
    filed_at            DATE         NULL,
    deadline            DATE         NULL,
    created_at          DATETIME     NOT NULL,
    updated_at          DATETIME     NOT NULL,
    UNIQUE KEY uk_cases_case_no (case_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Each NEXTVAL reserved a block of 100 ticket numbers for one nginx
-- worker process; 016 replaces it by the table ticket_blocks.  NOCACHE:
-- Galera refuses a cached sequence that steps by more than 0, and this
-- file must run on a fresh cluster too.
CREATE SEQUENCE ticket_seq START WITH 1 INCREMENT BY 100 NOCACHE;

CREATE TABLE tickets (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_no           VARCHAR(24)  NOT NULL,
    query_code          CHAR(10)     NOT NULL,
    channel             VARCHAR(16)  NOT NULL,
    category            VARCHAR(32)  NOT NULL,
    track               VARCHAR(16)  NOT NULL,
    status              VARCHAR(16)  NOT NULL,
    case_no             VARCHAR(128) NULL,
    case_legacy         TINYINT(1)   NOT NULL DEFAULT 0,
    case_id             BIGINT UNSIGNED NULL,
    content             TEXT         NOT NULL,
    contact_name        VARCHAR(100) NULL,
    contact_phone       VARCHAR(32)  NULL,
    owner_litigant_id   BIGINT UNSIGNED NULL,
    registered_by       INT UNSIGNED NULL,
    department_id       INT UNSIGNED NULL,
    assignee_staff_id   INT UNSIGNED NULL,
    first_handler_staff_id INT UNSIGNED NULL,
    created_at          DATETIME     NOT NULL,
    due_at              DATETIME     NOT NULL,
    updated_at          DATETIME     NOT NULL,
    closed_at           DATETIME     NULL,
    UNIQUE KEY uk_tickets_no (ticket_no),
    KEY k_tickets_status_due (status, due_at),
    KEY k_tickets_owner (owner_litigant_id, id),
    KEY k_tickets_case (case_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The timeline.  public = 0 events are for staff only.
CREATE TABLE ticket_events (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id           BIGINT UNSIGNED NOT NULL,
    type                VARCHAR(32)  NOT NULL,
    actor_kind          VARCHAR(16)  NOT NULL,
    actor_id            BIGINT UNSIGNED NULL,
    status_from         VARCHAR(16)  NULL,
    status_to           VARCHAR(16)  NULL,
    note                TEXT         NULL,
    public              TINYINT(1)   NOT NULL DEFAULT 1,
    created_at          DATETIME     NOT NULL,
    KEY k_ticket_events_ticket (ticket_id, id),
    CONSTRAINT fk_ticket_events_ticket FOREIGN KEY (ticket_id)
        REFERENCES tickets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Idempotency-Key records: the first answer, kept for replays.
CREATE TABLE idempotency_keys (
    principal           VARCHAR(48)  NOT NULL,
    idem_key            VARCHAR(128) NOT NULL,
    request_hash        CHAR(64)     NOT NULL,
    status              SMALLINT UNSIGNED NOT NULL,
    response            TEXT         NOT NULL,
    created_at          DATETIME     NOT NULL,
    PRIMARY KEY (principal, idem_key),
    KEY k_idempotency_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
