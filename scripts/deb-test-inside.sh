#!/bin/bash
# Liaison: the package test inside the throwaway system (scripts/deb-test.sh
# runs it in the booted container; never run it on a machine you keep).
#
#   scripts/deb-test-inside.sh DEB...
#
# Installs the packages, checks what they put where (conffiles, owners,
# man pages, the unit), then runs them as installed: MariaDB and nginx by
# their Debian units, the module from modules-enabled, liaison-worker by
# its own unit with its sandboxing (ProtectSystem=strict, ReadWritePaths),
# and a retention pass that removes an attachment's file.

set -euo pipefail

say() { echo "deb-test: $*"; }
die() { echo "deb-test: FAILED: $*" >&2; exit 1; }

# 1. install (dependencies are on this system already: no network)
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
DEBIAN_FRONTEND=noninteractive dpkg -i "$@" >/tmp/dpkg.log 2>&1 \
    || { cat /tmp/dpkg.log; die "dpkg -i"; }
rm -f /usr/sbin/policy-rc.d
say "installed: $(dpkg-query -W -f='${Package} ${Version}  ' \
    libnginx-mod-http-liaison liaison-worker)"

# 2. what the packages put where
conff=$(dpkg-query -W -f='${Conffiles}\n' libnginx-mod-http-liaison \
    liaison-worker)
for f in /etc/liaison/liaison-worker.conf /etc/liaison/triage-rules.txt; do
    grep -q " $f " <<<"$conff" || die "$f is not a conffile"
done
say "conffiles: /etc/liaison/liaison-worker.conf /etc/liaison/triage-rules.txt"
owner() { stat -c '%U:%G %a' "$1"; }
[ "$(owner /etc/liaison/liaison-worker.conf)" = "root:liaison 640" ] \
    || die "liaison-worker.conf: $(owner /etc/liaison/liaison-worker.conf)"
[ "$(owner /var/lib/liaison/attachments)" = "www-data:liaison 2770" ] \
    || die "attachments: $(owner /var/lib/liaison/attachments)"
[ "$(owner /var/lib/liaison/body_temp)" = "www-data:www-data 700" ] \
    || die "body_temp: $(owner /var/lib/liaison/body_temp)"
say "attachments $(owner /var/lib/liaison/attachments)," \
    "body_temp $(owner /var/lib/liaison/body_temp)"
for p in liaison liaison-worker liaison-admin; do
    man -w "$p" >/dev/null 2>&1 || die "no man page $p(8)"
done
say "man pages: $(man -w liaison liaison-worker liaison-admin | tr '\n' ' ')"
link=/etc/nginx/modules-enabled/50-mod-http-liaison.conf
[ -L "$link" ] || die "$link is not a link"
unit=/lib/systemd/system/liaison-worker.service
grep -q '^ReadWritePaths=.*/var/lib/liaison/attachments' $unit \
    || die "the unit has no ReadWritePaths for the attachments"
grep -q '^ExecStart=/usr/bin/liaison-worker' $unit || die "ExecStart"

# 3. the database, by Debian's unit
systemctl start mariadb
pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
mariadb -e "CREATE DATABASE liaison CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
  CREATE USER 'liaison'@'localhost' IDENTIFIED BY '$pw';
  GRANT ALL PRIVILEGES ON liaison.* TO 'liaison'@'localhost';"
install -m 0640 -o root -g liaison /dev/null /etc/liaison/db_password
echo "$pw" >/etc/liaison/db_password
head -c 48 /dev/urandom | base64 >/etc/liaison/token_secret
chmod 0600 /etc/liaison/token_secret

# the operator's worker configuration (the conffile, edited)
cat >/etc/liaison/liaison-worker.conf <<CONF
db_socket = /run/mysqld/mysqld.sock
db_user = liaison
db_password_file = /etc/liaison/db_password
db_name = liaison
worker_id = deb-test
poll_interval = 1
attachment_dir = /var/lib/liaison/attachments
retention_days = 1095
metrics_listen = 127.0.0.1:9466
CONF
liaison-worker --check -c /etc/liaison/liaison-worker.conf >/dev/null \
    || die "liaison-worker --check"
liaison-worker migrate -c /etc/liaison/liaison-worker.conf >/tmp/migrate.log \
    2>&1 || { cat /tmp/migrate.log; die migrate; }
say "$(tail -1 /tmp/migrate.log)"
liaison-admin calendar-sql /usr/share/liaison/cn-working-days.txt \
    | mariadb liaison || die "calendar"

# 4. nginx, by Debian's unit, with the module from modules-enabled
cat >/etc/nginx/conf.d/liaison.conf <<CONF
liaison_db unix:/run/mysqld/mysqld.sock user=liaison
           password_file=/etc/liaison/db_password database=liaison;
liaison_token_secret_file /etc/liaison/token_secret;
liaison_triage_rules /etc/liaison/triage-rules.txt;
client_body_temp_path /var/lib/liaison/body_temp;
liaison_attachment_dir /var/lib/liaison/attachments;
server {
    listen 127.0.0.1:8080;
    client_max_body_size 11m;
    location /api/v1/ { liaison_api on; }
    location /_liaison_files/ {
        internal;
        alias /var/lib/liaison/attachments/;
    }
    location = /metrics { liaison_metrics on; }
}
CONF
nginx -t -q || die "nginx -t"
systemctl restart nginx || { journalctl -u nginx --no-pager | tail; die nginx; }
api=http://127.0.0.1:8080/api/v1
health=$(curl -s "$api/health")
[ "$health" = '{"status":"ok","db":"ok"}' ] || die "health: $health"
say "GET /api/v1/health through Debian's nginx unit: $health"
workers=$(ps -o user= --ppid "$(cat /run/nginx.pid)" | sort -u | tr '\n' ' ')
[ "$workers" = "www-data " ] || die "nginx's workers run as: $workers"

# a ticket with an attachment, uploaded through nginx's workers (www-data)
t=$(curl -s -X POST "$api/tickets" -H 'Content-Type: application/json' \
    -d '{"channel":"web","category":"consultation","content":"诉讼费怎么交？",
         "contact":{"name":"张三","phone":"13800138000"}}')
no=$(sed -n 's/.*"ticket_no":"\([^"]*\)".*/\1/p' <<<"$t")
qc=$(sed -n 's/.*"query_code":"\([^"]*\)".*/\1/p' <<<"$t")
[ -n "$no" ] && [ -n "$qc" ] || die "intake: $t"
printf '%%PDF-1.4\n%% deb-test\n' >/tmp/a.pdf
code=$(curl -s -o /tmp/up.json -w '%{http_code}' -X POST \
    "$api/tickets/$no/attachments?filename=a.pdf&query_code=$qc" \
    -H 'Content-Type: application/pdf' --data-binary @/tmp/a.pdf)
[ "$code" = 201 ] || die "upload: $code $(cat /tmp/up.json)"
stored=$(mariadb -N liaison -e "SELECT storage_name FROM attachments")
f=/var/lib/liaison/attachments/$stored
[ -f "$f" ] || die "the upload is not in the store"
say "attachment stored by nginx's workers: $(stat -c '%U:%G %a' "$f") $f"
# the ticket filed and closed four years ago: past the retention period
mariadb liaison -e "UPDATE tickets SET status = 'closed',
    created_at = NOW() - INTERVAL 4 YEAR - INTERVAL 5 DAY,
    closed_at = NOW() - INTERVAL 4 YEAR WHERE ticket_no = '$no'"

# 5. the worker by its unit, sandboxed: the retention pass removes it
systemctl start liaison-worker
for _ in $(seq 300); do
    [ -e "$f" ] || break
    sleep 0.1
done
journalctl -u liaison-worker --no-pager >/tmp/worker.log 2>&1 || true
[ ! -e "$f" ] || { tail -20 /tmp/worker.log; die "the file is still there"; }
grep -q 'retention: personal data removed from 1 ticket' /tmp/worker.log \
    || { tail -20 /tmp/worker.log; die "no retention line in the journal"; }
grep -q 'Read-only file system' /tmp/worker.log \
    && die "the worker met a read-only file system"
say "retention pass under the unit's sandboxing removed $f"
pid=$(systemctl show -p MainPID --value liaison-worker)
[ "$(ps -o user= -p "$pid")" = liaison ] || die "the worker is not user liaison"
for k in ProtectSystem ReadWritePaths NoNewPrivileges; do
    say "unit: $(systemctl show -p $k liaison-worker)"
done
if nsenter -t "$pid" -m -S "$(id -u liaison)" -G "$(id -g liaison)" \
        touch /var/lib/liaison/deb-test 2>/dev/null; then
    die "the worker's sandbox lets it write /var/lib/liaison"
fi
say "outside ReadWritePaths the worker's view is read-only"
m=$(curl -s http://127.0.0.1:9466/metrics)
grep -q '^liaison_worker_info{version=' <<<"$m" || die "worker metrics: $m"
grep -q '^liaison_worker_db_up 1$' <<<"$m" || die "worker db_up: $m"
say "the worker's metrics over HTTP: $(grep -c '^liaison_' <<<"$m") samples"
m=$(curl -s http://127.0.0.1:8080/metrics)
grep -q '^liaison_info{' <<<"$m" || die "nginx metrics: $m"
systemctl stop liaison-worker nginx

say ok
