/*
 * Fuzzing: lsn_calendar's parsers: the State Council notices
 * (lsn_calendar_parse(), data/cn-working-days.txt), and the dates and
 * times clients and the trial system send (RFC 3339, "YYYY-MM-DD",
 * "YYYY-MM-DD HH:MM:SS").  A time parsed and formatted parses to itself;
 * working-day arithmetic over any parsed calendar stays in bounds.
 */

#include "fuzz.h"
#include "lsn_calendar.h"


static lsn_calendar_t  cal;


static void
fz_roundtrip(time_t t)
{
    char    buf[32];
    size_t  len;
    time_t  back;

    len = lsn_format_rfc3339(t, buf);
    FZ_CHECK(len == 25 && buf[len] == '\0');
    FZ_CHECK(lsn_parse_rfc3339(buf, len, &back) == 0 && back == t);

    len = lsn_format_datetime(t, buf);
    FZ_CHECK(len == 19 && buf[len] == '\0');
    FZ_CHECK(lsn_parse_datetime(buf, len, &back) == 0 && back == t);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    int          k, unknown, days;
    char        *s;
    time_t       t, u;
    lsn_civil_t  cv;

    s = fz_dup(data, n);

    lsn_calendar_init(&cal);
    days = lsn_calendar_parse(&cal, s, n);
    FZ_CHECK(days >= -1);

    if (lsn_parse_rfc3339(s, n, &t) == 0) {
        fz_roundtrip(t);
        lsn_civil_from_time(t, &cv);
        FZ_CHECK(cv.month >= 1 && cv.month <= 12 && cv.day >= 1
                 && cv.day <= 31 && cv.wday >= 0 && cv.wday <= 6);

        /* n working days on and back over whatever the input loaded */
        k = n % 40;
        u = lsn_calendar_add_working_days(&cal, t, k, &unknown);
        if (!unknown && u >= t) {
            (void) lsn_calendar_working_days_between(&cal, t, u);
        }
    }

    if (lsn_parse_datetime(s, n, &t) == 0) {
        fz_roundtrip(t);
    }

    if (lsn_parse_day(s, n, &t) == 0) {
        fz_roundtrip(t);
        FZ_CHECK((t + LSN_TZ_OFFSET) % 86400 == 0);
    }

    free(s);

    return 0;
}
