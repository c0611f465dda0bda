#!/bin/bash
# Liaison: installs the packages of build/deb/ on this machine and checks
# them the way an operator would use them (make deb-test, as root):
#
#   1. apt-get install ./build/deb/*.deb (services are not started);
#   2. the module is enabled the Debian way: the link in
#      /etc/nginx/modules-enabled/ and `nginx -t` of the system
#      configuration passes with it loaded;
#   3. a private MariaDB (scripts/db.sh, a free port) is migrated by the
#      packaged `liaison-worker migrate` from /usr/share/liaison/sql;
#   4. Debian's /usr/sbin/nginx, with its own configuration, pid and logs
#      on a free port of 127.0.0.1 (never 8080, never the system instance),
#      including /etc/nginx/modules-enabled/*.conf, serves /api/v1/health and
#      /metrics; the packaged worker prints its metrics;
#   5. everything it started is stopped and the packages are purged
#      (LIAISON_DEB_KEEP=1 keeps them installed).
#
# The system nginx service is never started, reloaded or stopped: a
# policy-rc.d denies service actions while the packages install.

set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
debs=("$here"/build/deb/libnginx-mod-http-liaison_*.deb
      "$here"/build/deb/liaison-worker_*.deb)

say() { echo "deb-test: $*"; }
die() { echo "deb-test: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it installs packages)"
for d in "${debs[@]}"; do
    [ -f "$d" ] || die "$d missing (make deb)"
done

tmp=$(mktemp -d /tmp/liaison-deb-XXXXXX)
chmod 755 "$tmp"
rc_file=/usr/sbin/policy-rc.d
rc_created=0
nginx_started=0
db_started=0

free_port() {
    perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(LocalAddr =>
        "127.0.0.1", LocalPort => 0, Listen => 1) or die; print $s->sockport'
}

cleanup() {
    set +e
    if [ $nginx_started = 1 ] && [ -s "$tmp/nginx/nginx.pid" ]; then
        pid=$(cat "$tmp/nginx/nginx.pid")
        kill -QUIT "$pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    [ $db_started = 1 ] && "$here/scripts/db.sh" stop "$tmp/db" >/dev/null
    if [ "${LIAISON_DEB_KEEP:-0}" != 1 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq \
            libnginx-mod-http-liaison liaison-worker >/dev/null 2>&1
    fi
    [ $rc_created = 1 ] && rm -f "$rc_file"
    rm -rf "$tmp"
}
trap cleanup EXIT

# 1. install, with service actions denied
if [ ! -e "$rc_file" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$rc_file" && chmod +x "$rc_file"
    rc_created=1
fi
say "installing ${debs[*]##*/}"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debs[@]}" \
    >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; die "apt-get install"; }

# 2. enabled the Debian way
link=/etc/nginx/modules-enabled/50-mod-http-liaison.conf
[ -L "$link" ] || die "$link is not a link"
grep -q 'load_module modules/ngx_http_liaison_module.so;' "$link" \
    || die "$link does not load the module"
say "$link -> $(readlink "$link"): $(cat "$link")"
[ -f /usr/lib/nginx/modules/ngx_http_liaison_module.so ] \
    || die "the module .so is not in /usr/lib/nginx/modules"
/usr/sbin/nginx -t -q 2>"$tmp/nginx-t.log" \
    || { cat "$tmp/nginx-t.log"; die "nginx -t of the system configuration"; }
say "nginx -t of /etc/nginx/nginx.conf with the module enabled: ok"
[ -x /usr/bin/liaison-worker ] && [ -x /usr/bin/liaison-admin ] \
    || die "liaison-worker / liaison-admin not installed"
[ -f /etc/liaison/liaison-worker.conf ] || die "no /etc/liaison/liaison-worker.conf"
dpkg-query -W -f='${Conffiles}\n' liaison-worker | grep -q liaison-worker.conf \
    || die "/etc/liaison/liaison-worker.conf is not a conffile"
[ "$(stat -c %U:%G:%a /etc/liaison/liaison-worker.conf)" = root:liaison:640 ] \
    || die "/etc/liaison/liaison-worker.conf is not root:liaison 0640"
[ -f /lib/systemd/system/liaison-worker.service ] \
    || die "no systemd unit"
grep -q '^ExecStart=/usr/bin/liaison-worker' /lib/systemd/system/liaison-worker.service \
    || die "the unit does not run /usr/bin/liaison-worker"

# 3. a private database, migrated by the packaged worker
db_port=$(free_port)
LIAISON_DB_PORT=$db_port "$here/scripts/db.sh" start "$tmp/db" >"$tmp/db.log" 2>&1 \
    || { cat "$tmp/db.log"; die "scripts/db.sh start"; }
db_started=1
/usr/bin/liaison-worker migrate --defaults-file="$tmp/db/secrets/client.cnf" \
    >"$tmp/migrate.log" 2>&1 || { cat "$tmp/migrate.log"; die "migrate"; }
say "$(tail -1 "$tmp/migrate.log")"
/usr/bin/liaison-admin calendar-sql /usr/share/liaison/cn-working-days.txt \
    | mariadb --defaults-file="$tmp/db/secrets/client.cnf" \
    || die "loading the calendar with liaison-admin"

# 4. Debian's nginx with the module from modules-enabled, on a free port
port=$(free_port)
head -c 48 /dev/urandom | base64 >"$tmp/token_secret"
chmod 600 "$tmp/token_secret"
mkdir -p "$tmp/nginx/logs" "$tmp/nginx/tmp"
cat >"$tmp/nginx/nginx.conf" <<CONF
include /etc/nginx/modules-enabled/*.conf;
user root;
worker_processes 2;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log notice;
events { worker_connections 256; }
http {
    access_log $tmp/nginx/logs/access.log;
    client_body_temp_path $tmp/nginx/tmp/body;
    proxy_temp_path $tmp/nginx/tmp/proxy;
    fastcgi_temp_path $tmp/nginx/tmp/fastcgi;
    uwsgi_temp_path $tmp/nginx/tmp/uwsgi;
    scgi_temp_path $tmp/nginx/tmp/scgi;
    liaison_db unix:$tmp/db/mysql/mysqld.sock user=liaison
               password_file=$tmp/db/secrets/db_password database=liaison;
    liaison_token_secret_file $tmp/token_secret;
    liaison_triage_rules /usr/share/liaison/triage-rules.txt;
    server {
        listen 127.0.0.1:$port;
        location /api/v1/ { liaison_api on; }
        location = /metrics { liaison_metrics on; allow 127.0.0.1; deny all; }
    }
}
CONF
/usr/sbin/nginx -t -q -c "$tmp/nginx/nginx.conf" \
    -e "$tmp/nginx/logs/error.log" || die "nginx -t of the test configuration"
/usr/sbin/nginx -c "$tmp/nginx/nginx.conf" \
    -e "$tmp/nginx/logs/error.log" || die "starting nginx"
nginx_started=1

health=""
for _ in $(seq 100); do
    health=$(curl -s "http://127.0.0.1:$port/api/v1/health" || true)
    [ -n "$health" ] && break
    sleep 0.1
done
[ "$health" = '{"status":"ok","db":"ok"}' ] || die "health answered: $health"
say "GET /api/v1/health through /usr/sbin/nginx on 127.0.0.1:$port: $health"
curl -s "http://127.0.0.1:$port/metrics" >"$tmp/metrics.txt"
grep -q '^liaison_http_requests_total{endpoint="health",status="200"} 1$' \
    "$tmp/metrics.txt" || { cat "$tmp/metrics.txt"; die "metrics"; }
say "GET /metrics counts it"
if grep -E '\[(alert|crit|emerg)\]' "$tmp/nginx/logs/error.log"; then
    die "the error log has alerts"
fi

cat >"$tmp/worker.conf" <<CONF
db_socket = $tmp/db/mysql/mysqld.sock
db_user = liaison
db_password_file = $tmp/db/secrets/db_password
db_name = liaison
CONF
/usr/bin/liaison-worker metrics -c "$tmp/worker.conf" >"$tmp/wmetrics.txt" \
    || { cat "$tmp/wmetrics.txt"; die "liaison-worker metrics"; }
grep -q '^liaison_worker_db_up 1$' "$tmp/wmetrics.txt" || die "worker metrics"
say "liaison-worker metrics: $(grep -c '^liaison_' "$tmp/wmetrics.txt") samples"

say "ok"
