/*
 * liaison-admin: small administration commands around the Liaison core.
 *
 *   liaison-admin hash-password               password line on stdin
 *   liaison-admin calendar-sql FILE           SQL that loads a calendar
 *   liaison-admin sign KEYFILE TIMESTAMP      body on stdin
 *
 * Exit codes: 0 ok, 1 usage, 2 failure (message on stderr).
 */


#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "lsn_calendar.h"
#include "lsn_sql.h"
#include "lsn_token.h"
#include "lsn_workflow.h"


#define LSN_ADMIN_OK       0
#define LSN_ADMIN_USAGE    1
#define LSN_ADMIN_FAILED   2

#define LSN_ADMIN_PASSWORD_MAX  1024
#define LSN_ADMIN_SECRET_MAX    4096
#define LSN_ADMIN_SOURCE_MAX    200     /* calendar_years.source */

#define LSN_ADMIN_YEARS  (LSN_CAL_MAX_YEAR - LSN_CAL_MIN_YEAR + 1)
#define LSN_ADMIN_DAYS   (LSN_ADMIN_YEARS * 366)


/* Which notice (year) every listed day came from. */
typedef struct {
    uint8_t      kind[LSN_ADMIN_DAYS];
    uint16_t     notice[LSN_ADMIN_DAYS];
    uint8_t      loaded[LSN_ADMIN_YEARS];
    int64_t      first_day;        /* days since 1970 of MIN_YEAR-01-01 */
    char         dup[11];          /* a day listed twice */
} lsn_admin_cal_t;


static int lsn_admin_usage(void);
static int lsn_admin_fail(const char *what, const char *why);
static int lsn_admin_read_all(FILE *f, char **buf, size_t *len);
static int64_t lsn_admin_day_number(int y, int m, int d);
static int lsn_admin_year_handler(void *data, int year);
static int lsn_admin_day_handler(void *data, int year, int y, int m, int d,
    int kind);
static int lsn_admin_emit(const char *fmt, ...);
static int lsn_admin_read_hash(const char *what, char *hash);
static int lsn_admin_hash_password(void);
static int lsn_admin_create_staff(int argc, char **argv);
static int lsn_admin_reset_password(const char *username);
static int lsn_admin_calendar_sql(const char *path);
static int lsn_admin_sign(const char *keyfile, const char *ts);


static int
lsn_admin_usage(void)
{
    fprintf(stderr,
            "usage: liaison-admin hash-password          < password line\n"
            "       liaison-admin calendar-sql FILE\n"
            "       liaison-admin create-staff USERNAME NAME ROLE "
            "[DEPARTMENT_CODE] < password\n"
            "       liaison-admin reset-password USERNAME < password\n"
            "       liaison-admin sign KEYFILE TIMESTAMP < body\n");

    return LSN_ADMIN_USAGE;
}


static int
lsn_admin_fail(const char *what, const char *why)
{
    fprintf(stderr, "liaison-admin: %s: %s\n", what, why);

    return LSN_ADMIN_FAILED;
}


static int
lsn_admin_read_all(FILE *f, char **buf, size_t *len)
{
    char    *p, *nb;
    size_t   cap, n;

    cap = 4096;
    n = 0;

    p = malloc(cap);
    if (p == NULL) {
        return -1;
    }

    for ( ;; ) {
        n += fread(p + n, 1, cap - n, f);

        if (n < cap) {
            break;
        }

        nb = realloc(p, cap * 2);
        if (nb == NULL) {
            free(p);
            return -1;
        }

        p = nb;
        cap *= 2;
    }

    if (ferror(f)) {
        free(p);
        return -1;
    }

    *buf = p;
    *len = n;

    return 0;
}


/* Days since 1970-01-01 of a Beijing civil date. */

static int64_t
lsn_admin_day_number(int y, int m, int d)
{
    return ((int64_t) lsn_time_from_civil(y, m, d, 0, 0, 0)
            + LSN_TZ_OFFSET) / 86400;
}


static int
lsn_admin_year_handler(void *data, int year)
{
    lsn_admin_cal_t  *ac;

    ac = data;
    ac->loaded[year - LSN_CAL_MIN_YEAR] = 1;

    return 0;
}


static int
lsn_admin_day_handler(void *data, int year, int y, int m, int d, int kind)
{
    int64_t           i;
    lsn_admin_cal_t  *ac;

    ac = data;
    i = lsn_admin_day_number(y, m, d) - ac->first_day;

    if (i < 0 || i >= LSN_ADMIN_DAYS) {
        return -1;
    }

    /* calendar_days.day is the primary key: one notice, one kind a day */
    if (ac->kind[i] != 0) {
        snprintf(ac->dup, sizeof(ac->dup), "%04d-%02d-%02d", y, m, d);
        return -1;
    }

    ac->kind[i] = (uint8_t) kind;
    ac->notice[i] = (uint16_t) year;

    return 0;
}


/* Formats one piece of SQL with lsn_sql_format() and prints it. */

static int
lsn_admin_emit(const char *fmt, ...)
{
    char     buf[1024];
    long     n;
    va_list  args;

    va_start(args, fmt);
    n = lsn_sql_vformat(buf, sizeof(buf), fmt, args);
    va_end(args);

    if (n < 0 || (size_t) n >= sizeof(buf)) {
        return -1;
    }

    if (fwrite(buf, 1, (size_t) n, stdout) != (size_t) n) {
        return -1;
    }

    return 0;
}


/* Reads one password line from stdin and hashes it into hash[128]. */

static int
lsn_admin_read_hash(const char *what, char *hash)
{
    int     rc;
    char    line[LSN_ADMIN_PASSWORD_MAX + 2];
    size_t  len;

    if (fgets(line, sizeof(line), stdin) == NULL) {
        return lsn_admin_fail(what, "no password on stdin");
    }

    len = strlen(line);

    if (len > 0 && line[len - 1] == '\n') {
        line[--len] = '\0';

    } else if (len == sizeof(line) - 1) {
        OPENSSL_cleanse(line, sizeof(line));
        return lsn_admin_fail(what, "password is too long");
    }

    if (len > 0 && line[len - 1] == '\r') {
        line[--len] = '\0';
    }

    if (len == 0 || strlen(line) != len) {
        OPENSSL_cleanse(line, sizeof(line));
        return lsn_admin_fail(what, "empty password or NUL in it");
    }

    rc = lsn_password_hash(line, hash, 128);
    OPENSSL_cleanse(line, sizeof(line));

    if (rc != 0) {
        return lsn_admin_fail(what, "hashing failed");
    }

    return LSN_ADMIN_OK;
}


static int
lsn_admin_hash_password(void)
{
    int   rc;
    char  hash[128];

    rc = lsn_admin_read_hash("hash-password", hash);
    if (rc != LSN_ADMIN_OK) {
        return rc;
    }

    printf("%s\n", hash);

    return fflush(stdout) == 0 ? LSN_ADMIN_OK
           : lsn_admin_fail("hash-password", "cannot write stdout");
}


/*
 * create-staff USERNAME NAME ROLE [DEPARTMENT_CODE] < password
 * reset-password USERNAME < password
 * Print SQL for the mariadb client: one transaction, audited.
 */

static int
lsn_admin_create_staff(int argc, char **argv)
{
    int     rc, role;
    char    hash[128];
    time_t  now;

    role = lsn_role_index(argv[4], strlen(argv[4]));
    if (role < 0) {
        return lsn_admin_fail("create-staff", "unknown role");
    }

    if (lsn_role_in_department((lsn_role_e) role) && argc < 6) {
        return lsn_admin_fail("create-staff", "this role needs a department");
    }

    rc = lsn_admin_read_hash("create-staff", hash);
    if (rc != LSN_ADMIN_OK) {
        return rc;
    }

    now = time(NULL);

    if (lsn_admin_emit("START TRANSACTION;\n"
                       "INSERT INTO staff (username, name, role, "
                       "department_id, password_hash, created_at) "
                       "VALUES ($z, $z, $z, (SELECT id FROM departments "
                       "WHERE code = $z), $z, $t);\n"
                       "INSERT INTO account_events (staff_id, type, detail, "
                       "created_at) VALUES (LAST_INSERT_ID(), 'created', "
                       "'liaison-admin', $t);\nCOMMIT;\n",
                       argv[2], argv[3], argv[4], argc > 5 ? argv[5] : NULL,
                       hash, now, now)
        != 0)
    {
        return lsn_admin_fail("create-staff", "cannot write stdout");
    }

    return LSN_ADMIN_OK;
}


static int
lsn_admin_reset_password(const char *username)
{
    int     rc;
    char    hash[128];
    time_t  now;

    rc = lsn_admin_read_hash("reset-password", hash);
    if (rc != LSN_ADMIN_OK) {
        return rc;
    }

    now = time(NULL);

    if (lsn_admin_emit("START TRANSACTION;\n"
                       "UPDATE staff SET password_hash = $z, "
                       "failed_logins = 0, locked_until = NULL "
                       "WHERE username = $z;\n"
                       "UPDATE sessions SET revoked_at = $t WHERE staff_id = "
                       "(SELECT id FROM staff WHERE username = $z) "
                       "AND revoked_at IS NULL;\n"
                       "INSERT INTO account_events (staff_id, type, detail, "
                       "created_at) SELECT id, 'password_reset', "
                       "'liaison-admin', $t FROM staff WHERE username = $z;\n"
                       "COMMIT;\n",
                       hash, username, now, username, now, username)
        != 0)
    {
        return lsn_admin_fail("reset-password", "cannot write stdout");
    }

    return LSN_ADMIN_OK;
}


static int
lsn_admin_calendar_sql(const char *path)
{
    int               rc, year, years, first;
    char              day[16], *text;
    FILE             *f;
    size_t            len;
    int64_t           i;
    time_t            now;
    lsn_civil_t       cv;
    lsn_admin_cal_t  *ac;

    if (strlen(path) > LSN_ADMIN_SOURCE_MAX) {
        return lsn_admin_fail(path, "file name longer than 200 bytes");
    }

    f = fopen(path, "r");
    if (f == NULL) {
        return lsn_admin_fail(path, "cannot open");
    }

    rc = lsn_admin_read_all(f, &text, &len);
    fclose(f);

    if (rc != 0) {
        return lsn_admin_fail(path, "cannot read");
    }

    ac = calloc(1, sizeof(lsn_admin_cal_t));
    if (ac == NULL) {
        free(text);
        return lsn_admin_fail(path, "out of memory");
    }

    ac->first_day = lsn_admin_day_number(LSN_CAL_MIN_YEAR, 1, 1);
    rc = LSN_ADMIN_FAILED;

    if (lsn_calendar_parse_cb(text, len, NULL, NULL, NULL) < 0) {
        lsn_admin_fail(path, "malformed calendar entry");
        goto done;
    }

    if (lsn_calendar_parse_cb(text, len, lsn_admin_year_handler,
                              lsn_admin_day_handler, ac)
        < 0)
    {
        if (ac->dup[0] != '\0') {
            fprintf(stderr, "liaison-admin: %s: %s is listed twice\n",
                    path, ac->dup);

        } else {
            lsn_admin_fail(path, "bad calendar entry");
        }

        goto done;
    }

    years = 0;

    for (year = 0; year < LSN_ADMIN_YEARS; year++) {
        years += ac->loaded[year];
    }

    if (years == 0) {
        lsn_admin_fail(path, "no calendar entries");
        goto done;
    }

    now = time(NULL);

    if (lsn_admin_emit("START TRANSACTION;\n") != 0) {
        goto write_failed;
    }

    /*
     * every DELETE before any INSERT: a day may move to another notice
     * (2022-12-31 belongs to 2023), and day is the primary key
     */
    for (year = LSN_CAL_MIN_YEAR; year <= LSN_CAL_MAX_YEAR; year++) {
        if (ac->loaded[year - LSN_CAL_MIN_YEAR]
            && lsn_admin_emit("DELETE FROM calendar_days WHERE year=$i;\n",
                              (long long) year)
               != 0)
        {
            goto write_failed;
        }
    }

    for (year = LSN_CAL_MIN_YEAR; year <= LSN_CAL_MAX_YEAR; year++) {
        if (!ac->loaded[year - LSN_CAL_MIN_YEAR]) {
            continue;
        }

        first = 1;

        for (i = 0; i < LSN_ADMIN_DAYS; i++) {
            if (ac->kind[i] == 0 || ac->notice[i] != year) {
                continue;
            }

            /* noon of that day, Beijing */
            lsn_civil_from_time((time_t) ((ac->first_day + i) * 86400
                                          + 12 * 3600 - LSN_TZ_OFFSET),
                                &cv);
            snprintf(day, sizeof(day), "%04d-%02d-%02d",
                     cv.year, cv.month, cv.day);

            if (lsn_admin_emit(first ? "INSERT INTO calendar_days"
                                       " (day, kind, year) VALUES\n"
                                     : ",\n")
                != 0
                || lsn_admin_emit("($z, $z, $i)", day,
                                  ac->kind[i] == LSN_DAY_OFF ? "off" : "work",
                                  (long long) year)
                   != 0)
            {
                goto write_failed;
            }

            first = 0;
        }

        if ((!first && lsn_admin_emit(";\n") != 0)
            || lsn_admin_emit("REPLACE INTO calendar_years"
                              " (year, source, loaded_at)"
                              " VALUES ($i, $z, $t);\n",
                              (long long) year, path, now)
               != 0)
        {
            goto write_failed;
        }
    }

    if (lsn_admin_emit("COMMIT;\n") != 0 || fflush(stdout) != 0) {
        goto write_failed;
    }

    rc = LSN_ADMIN_OK;
    goto done;

write_failed:

    lsn_admin_fail("calendar-sql", "cannot write stdout");

done:

    free(ac);
    free(text);

    return rc;
}


static int
lsn_admin_sign(const char *keyfile, const char *ts)
{
    char           *body, hex[65];
    long            keylen;
    size_t          len;
    const char     *err;
    unsigned char   key[LSN_ADMIN_SECRET_MAX];

    keylen = lsn_secret_read(keyfile, key, sizeof(key), &err);
    if (keylen < 0) {
        return lsn_admin_fail(keyfile, err);
    }

    if (lsn_admin_read_all(stdin, &body, &len) != 0) {
        OPENSSL_cleanse(key, sizeof(key));
        return lsn_admin_fail("sign", "cannot read the body on stdin");
    }

    if (lsn_hmac_sign(key, (size_t) keylen, ts, strlen(ts), body, len, hex)
        != 0)
    {
        OPENSSL_cleanse(key, sizeof(key));
        free(body);
        return lsn_admin_fail("sign", "HMAC failed");
    }

    OPENSSL_cleanse(key, sizeof(key));
    free(body);

    hex[64] = '\0';
    printf("%s\n", hex);

    return fflush(stdout) == 0 ? LSN_ADMIN_OK
           : lsn_admin_fail("sign", "cannot write stdout");
}


int
main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "hash-password") == 0) {
        return lsn_admin_hash_password();
    }

    if (argc == 3 && strcmp(argv[1], "calendar-sql") == 0) {
        return lsn_admin_calendar_sql(argv[2]);
    }

    if ((argc == 5 || argc == 6) && strcmp(argv[1], "create-staff") == 0) {
        return lsn_admin_create_staff(argc, argv);
    }

    if (argc == 3 && strcmp(argv[1], "reset-password") == 0) {
        return lsn_admin_reset_password(argv[2]);
    }

    if (argc == 4 && strcmp(argv[1], "sign") == 0) {
        return lsn_admin_sign(argv[2], argv[3]);
    }

    return lsn_admin_usage();
}
