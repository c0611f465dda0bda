-- Liaison migration 012: follow-through on recorded duties (issue 12:
-- A12, A14, A15).

-- A15: a liaison change from the moment it is known until the case-filing
-- division publishes it (liaison_records then holds the published record).
-- source: 'department' (its leader or liaison reported it) or 'detected'
-- (the worker saw the department's liaison accounts change after the
-- directory was last updated; the department still has to report it).
-- status: unreported -> reported -> published.  The due days are the last
-- days on time: report_due_on 5 working days after changed_on,
-- publish_due_on 2 after reported_on; report_days and publish_days are
-- the working days it took (late: more than 5, 2), as in liaison_records.
CREATE TABLE liaison_changes (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    department_id       INT UNSIGNED NOT NULL,
    source              VARCHAR(16)  NOT NULL,
    status              VARCHAR(16)  NOT NULL,
    name                VARCHAR(50)  NULL,
    title               VARCHAR(50)  NULL,
    office_phone        VARCHAR(32)  NULL,
    mobile              VARCHAR(20)  NULL,
    changed_on          DATE         NOT NULL,
    report_due_on       DATE         NOT NULL,
    reported_on         DATE         NULL,
    reported_by         INT UNSIGNED NULL,
    report_days         SMALLINT UNSIGNED NULL,
    publish_due_on      DATE         NULL,
    published_on        DATE         NULL,
    published_by        INT UNSIGNED NULL,
    publish_days        SMALLINT UNSIGNED NULL,
    record_id           BIGINT UNSIGNED NULL,
    created_at          DATETIME     NOT NULL,
    KEY k_liaison_changes_open (status, department_id),
    KEY k_liaison_changes_department (department_id, id),
    CONSTRAINT fk_liaison_changes_department FOREIGN KEY (department_id)
        REFERENCES departments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every alert about a recorded duty, once: subject 'liaison_change'
-- (steps reported, published, report_last_day, report_overdue,
-- publish_last_day, publish_overdue), 'follow_up' (assigned, before, due,
-- overdue) or 'bulletin' (subject_id YYYYMM, step the office's duty).
-- The key makes a step happen once however many workers run; skipped: the
-- step had gone stale when first seen (no message).  recipients: staff
-- ids, comma-separated.
CREATE TABLE duty_alerts (
    subject             VARCHAR(16)  NOT NULL,
    subject_id          BIGINT UNSIGNED NOT NULL,
    step                VARCHAR(24)  NOT NULL,
    skipped             TINYINT(1)   NOT NULL DEFAULT 0,
    recipients          TEXT         NULL,
    fired_at            DATETIME     NOT NULL,
    PRIMARY KEY (subject, subject_id, step)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A12: the bulletin's items addressed to an office (duty: the department
-- kind 'trial_mgmt' or 'political'), each acknowledged once by one of the
-- office's leader and liaisons.  item_key: the case number or ticket
-- number the item is about.
CREATE TABLE bulletin_items (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    month               CHAR(7)      NOT NULL,
    duty                VARCHAR(16)  NOT NULL,
    item_key            VARCHAR(64)  NOT NULL,
    summary             VARCHAR(500) NOT NULL,
    created_at          DATETIME     NOT NULL,
    acknowledged_by     INT UNSIGNED NULL,
    acknowledged_at     DATETIME     NULL,
    ack_note            VARCHAR(500) NULL,
    UNIQUE KEY uk_bulletin_items (month, duty, item_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The office duties of existing courts: departments named like the
-- trial-management office or the political department take its kind.
UPDATE departments SET kind = 'trial_mgmt'
    WHERE code = 'trial_mgmt' AND kind IN ('trial', 'office');
UPDATE departments SET kind = 'political'
    WHERE code = 'political' AND kind IN ('trial', 'office');
