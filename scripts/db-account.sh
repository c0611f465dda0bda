# Sourced by scripts/db.sh and scripts/cluster.sh: the liaison database, its
# account and the client file, with the password of $pwfile (made once).
# Uses the caller's $secrets, $pwfile, $cnf, say and die.

db_random_password() {
    # 32 characters of [A-Za-z0-9]: safe inside SQL quotes and shells
    local p=""
    while [ ${#p} -lt 32 ]; do
        p=$p$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    done
    printf '%s' "${p:0:32}"
}

# db_ensure_account SOCKET ROOT_SQL_COMMAND [ARGS]: the command reads SQL
# on its standard input as root; SOCKET goes into the client file.
db_ensure_account() {
    local sock=$1 pw
    shift
    mkdir -p "$secrets"
    chmod 700 "$secrets"
    if [ ! -s "$pwfile" ]; then
        (umask 077; db_random_password >"$pwfile")
        say "generated $pwfile"
    fi
    chmod 600 "$pwfile"
    pw=$(cat "$pwfile")
    case $pw in *[!A-Za-z0-9]*) die "$pwfile: unexpected characters" ;; esac
    # IF NOT EXISTS everywhere: the first run creates, later runs change
    # nothing (ALTER keeps the password in step with the file).  On a
    # Galera cluster these statements replicate to every node (TOI).
    "$@" <<SQL
CREATE DATABASE IF NOT EXISTS liaison
    CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS 'liaison'@'localhost' IDENTIFIED BY '$pw';
CREATE USER IF NOT EXISTS 'liaison'@'127.0.0.1' IDENTIFIED BY '$pw';
ALTER USER 'liaison'@'localhost' IDENTIFIED BY '$pw';
ALTER USER 'liaison'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON liaison.* TO 'liaison'@'localhost';
GRANT ALL PRIVILEGES ON liaison.* TO 'liaison'@'127.0.0.1';
SQL
    (umask 077; cat >"$cnf" <<CNF
[client]
protocol=socket
socket=$sock
user=liaison
password=$pw
database=liaison
default-character-set=utf8mb4
CNF
    )
    chmod 600 "$cnf"
}
