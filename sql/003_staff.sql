-- Liaison migration 003: staff work (issue: accounts, worklists, actions).
--
-- Tickets get the times the KPIs need, the first handler (A17) and the
-- escalation level the worker's ladder reaches; departments get their
-- in-charge vice president already (001).  Canned answers for the simple
-- track, and an audit trail of account changes.

ALTER TABLE tickets
    ADD COLUMN dispatched_at      DATETIME     NULL AFTER due_at,
    ADD COLUMN accepted_at        DATETIME     NULL AFTER dispatched_at,
    ADD COLUMN replied_at         DATETIME     NULL AFTER accepted_at,
    ADD COLUMN escalation_level   TINYINT UNSIGNED NOT NULL DEFAULT 0,
    ADD KEY k_tickets_department_status (department_id, status, due_at),
    ADD KEY k_tickets_assignee_status (assignee_staff_id, status, due_at);

CREATE TABLE canned_answers (
    id                  INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    category            VARCHAR(32)  NOT NULL,
    title               VARCHAR(100) NOT NULL,
    body                TEXT         NOT NULL,
    active              TINYINT(1)   NOT NULL DEFAULT 1,
    updated_by          INT UNSIGNED NULL,
    updated_at          DATETIME     NOT NULL,
    KEY k_canned_answers_category (category, active)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE account_events (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    staff_id            INT UNSIGNED NOT NULL,
    actor_staff_id      INT UNSIGNED NULL,
    type                VARCHAR(32)  NOT NULL,
    detail              VARCHAR(255) NULL,
    created_at          DATETIME     NOT NULL,
    KEY k_account_events_staff (staff_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
