-- Liaison demo data for `make run` (not a migration: never loaded in
-- production).  A basic people's court: nine departments, one staff account
-- per role (two judges, one leader per department) and each department's
-- leader and vice president in charge.
--
-- Safe to load again: departments and staff are matched by code/username
-- (INSERT ... ON DUPLICATE KEY UPDATE).  Passwords are not here (hashes are
-- salted): scripts/run.sh sets them with `liaison-admin hash-password`; until
-- then password_hash is '!', which matches no password.

SET NAMES utf8mb4;

START TRANSACTION;

INSERT INTO departments (code, name, kind) VALUES
    ('filing',      '立案庭',         'filing'),
    ('civil',       '民事审判庭',     'trial'),
    ('criminal',    '刑事审判庭',     'trial'),
    ('admin',       '行政审判庭',     'trial'),
    ('enforcement', '执行局',         'enforcement'),
    ('trial_mgmt',  '审判管理办公室', 'trial_mgmt'),
    ('president_office', '院长办公室', 'president_office'),
    ('discipline',  '纪检监察室',     'discipline'),
    ('political',   '政治部',         'political')
ON DUPLICATE KEY UPDATE name = VALUES(name), kind = VALUES(kind);

INSERT INTO staff (username, name, role, department_id, mobile,
                   password_hash, created_at)
SELECT s.username, s.name, s.role, d.id, s.mobile, '!',
       '2026-01-05 09:00:00'
FROM (
    SELECT 'platform'  AS username, '陈晓燕' AS name, 'platform_staff' AS role,
           'filing' AS dept, '13800138001' AS mobile
    UNION ALL SELECT 'judge1',    '李建国', 'judge',          'civil',       '13800138002'
    UNION ALL SELECT 'judge2',    '王丽华', 'judge',          'criminal',    '13800138003'
    UNION ALL SELECT 'deptstaff', '赵敏',   'dept_staff',     'enforcement', '13800138004'
    UNION ALL SELECT 'liaison',   '刘洋',   'liaison',        'civil',       '13800138005'
    UNION ALL SELECT 'leader',    '黄志强', 'dept_leader',    'civil',       '13800138006'
    UNION ALL SELECT 'leader_filing',      '孙立新', 'dept_leader', 'filing',      '13800138011'
    UNION ALL SELECT 'leader_criminal',    '马国栋', 'dept_leader', 'criminal',    '13800138012'
    UNION ALL SELECT 'leader_admin',       '何静怡', 'dept_leader', 'admin',       '13800138013'
    UNION ALL SELECT 'leader_enforcement', '罗志刚', 'dept_leader', 'enforcement', '13800138014'
    UNION ALL SELECT 'leader_trial_mgmt',  '梁慧敏', 'dept_leader', 'trial_mgmt',  '13800138015'
    UNION ALL SELECT 'leader_president_office', '钱卫东', 'dept_leader', 'president_office', '13800138016'
    UNION ALL SELECT 'leader_discipline',  '唐振宇', 'dept_leader', 'discipline',  '13800138017'
    UNION ALL SELECT 'leader_political',   '许文博', 'dept_leader', 'political',   '13800138019'
    UNION ALL SELECT 'vp',        '周文斌', 'vice_president', 'trial_mgmt',  '13800138007'
    UNION ALL SELECT 'president', '林振华', 'president',      'trial_mgmt',  '13800138008'
    UNION ALL SELECT 'filing',    '吴静',   'filing_admin',   'filing',      '13800138009'
    UNION ALL SELECT 'admin',     '郑凯',   'sys_admin',      'trial_mgmt',  '13800138010'
    UNION ALL SELECT 'inspector', '冯正清', 'discipline',     'discipline',  '13800138018'
) AS s
JOIN departments d ON d.code = s.dept
ON DUPLICATE KEY UPDATE name = VALUES(name), role = VALUES(role),
    department_id = VALUES(department_id), mobile = VALUES(mobile),
    active = 1;

-- leaders and the vice president in charge (A8 escalation chain)
UPDATE departments d
JOIN staff l ON l.username = CASE d.code
        WHEN 'civil' THEN 'leader'
        ELSE CONCAT('leader_', d.code) END
JOIN staff v ON v.username = 'vp'
SET d.leader_staff_id = l.id,
    d.vice_president_staff_id = v.id
WHERE d.code IN ('filing', 'civil', 'criminal', 'admin', 'enforcement',
                 'trial_mgmt', 'president_office', 'discipline', 'political');

-- the liaison directory (A9/A15): one liaison per department, reported
-- and published in time; only where a department has none yet
INSERT INTO liaison_records (department_id, name, title, office_phone,
                             mobile, changed_on, reported_on, published_on,
                             report_days, publish_days, created_at)
SELECT d.id, l.name, l.title, l.office_phone, l.mobile, '2026-01-05',
       '2026-01-06', '2026-01-07', 1, 1, '2026-01-07 09:00:00'
FROM (
    SELECT 'filing' AS dept, '吴静' AS name, '立案庭书记员' AS title,
           '020-39000101' AS office_phone, '13800138009' AS mobile
    UNION ALL SELECT 'civil',       '刘洋',   '民事审判庭法官助理', '020-39000102', '13800138005'
    UNION ALL SELECT 'criminal',    '周婷',   '刑事审判庭书记员',   '020-39000103', '13800138021'
    UNION ALL SELECT 'admin',       '何晓东', '行政审判庭书记员',   '020-39000104', '13800138022'
    UNION ALL SELECT 'enforcement', '赵敏',   '执行局执行员',       '020-39000105', '13800138004'
    UNION ALL SELECT 'trial_mgmt',  '梁慧敏', '审判管理办公室主任', '020-39000106', '13800138015'
    UNION ALL SELECT 'political',   '许文博', '政治部主任',         '020-39000109', '13800138019'
) AS l
JOIN departments d ON d.code = l.dept
WHERE NOT EXISTS (SELECT 1 FROM liaison_records r
                  WHERE r.department_id = d.id);

COMMIT;
