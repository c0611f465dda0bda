/*
 * Liaison: the A2 indicators.
 */

#include <stdlib.h>
#include "lsn_kpi.h"
#include "lsn_sql.h"


/*
 * One format per grouping, all with the same directives.  The cut is the
 * end of the period, or now while it runs; while it runs ($i 0), a work
 * order counts for acceptance once its acceptance fell due (or it was
 * accepted) and for contact once it fell due (or was replied to): what
 * is not yet due is not yet missed.  Completion counts what fell due
 * before the cut (or was answered) in either case.
 */
#define LSN_KPI_SQL(key, join, group)                                       \
    "SELECT " key ", COUNT(*), "                                            \
    "COALESCE(SUM(t.dispatched_at IS NOT NULL AND ($i = 1 "                 \
    "OR t.accept_due_at < $t OR t.accepted_at IS NOT NULL)), 0), "          \
    "COALESCE(SUM(t.accepted_at IS NOT NULL "                               \
    "AND t.accepted_at <= t.accept_due_at), 0), "                           \
    "COALESCE(SUM(t.track = 'ordinary' AND ($i = 1 OR t.due_at < $t "       \
    "OR t.replied_at IS NOT NULL)), 0), "                                   \
    "COALESCE(SUM(t.track = 'ordinary' AND t.replied_at IS NOT NULL "       \
    "AND t.replied_at < $t), 0), "                                          \
    "COALESCE(SUM(t.due_at < $t OR (t.replied_at IS NOT NULL "              \
    "AND t.replied_at < $t)), 0), "                                         \
    "COALESCE(SUM(t.replied_at IS NOT NULL AND t.replied_at <= t.due_at "   \
    "AND t.replied_at < $t), 0), "                                          \
    "COUNT(f.rating), COALESCE(SUM(f.rating), 0), "                         \
    "COALESCE(SUM(f.rating >= 4), 0) "                                      \
    "FROM tickets t LEFT JOIN ticket_feedback f ON f.ticket_id = t.id"      \
    join " WHERE t.created_at >= $t AND t.created_at < $t "                 \
    "AND ($u = 0 OR t.department_id = $u)" group


long
lsn_kpi_sql(char *dst, size_t cap, lsn_kpi_group_e group, time_t from,
    time_t to, time_t now, unsigned long long department)
{
    time_t     cut;
    long long  ended;

    static const char  *formats[] = {
        LSN_KPI_SQL("NULL, NULL", "", ""),
        LSN_KPI_SQL("t.department_id, d.name",
                    " LEFT JOIN departments d ON d.id = t.department_id",
                    " GROUP BY t.department_id, d.name "
                    "ORDER BY t.department_id"),
        LSN_KPI_SQL("t.first_handler_staff_id, s.name",
                    " LEFT JOIN staff s ON s.id = t.first_handler_staff_id",
                    " GROUP BY t.first_handler_staff_id, s.name "
                    "ORDER BY t.first_handler_staff_id")
    };

    if ((unsigned) group > LSN_KPI_BY_HANDLER) {
        return -1;
    }

    /* while the period runs, up to and including this second */
    ended = (now >= to);
    cut = ended ? to : now + 1;

    return lsn_sql_format(dst, cap, formats[group], ended, cut, ended, cut,
                          cut, cut, cut, cut, from, to, department,
                          department);
}


void
lsn_kpi_from_row(lsn_kpi_t *k, char **row)
{
    unsigned long long  *v;
    int                  i;

    v = &k->requests;

    for (i = 0; i < LSN_KPI_COLUMNS; i++) {
        v[i] = row[i + 2] ? strtoull(row[i + 2], NULL, 10) : 0;
    }
}


double
lsn_kpi_rate(unsigned long long num, unsigned long long den)
{
    return den ? (double) num / (double) den : -1.0;
}


double
lsn_kpi_score(const lsn_kpi_t *k)
{
    double  acc, ont, con, sat;

    acc = lsn_kpi_rate(k->accepted_in_time, k->dispatched);
    ont = lsn_kpi_rate(k->on_time, k->due);
    con = lsn_kpi_rate(k->contacted, k->work_orders);
    sat = lsn_kpi_rate(k->satisfied, k->ratings);

    return 40.0 * (acc < 0 ? 1.0 : acc) + 30.0 * (ont < 0 ? 1.0 : ont)
           + 20.0 * (con < 0 ? 1.0 : con) + 10.0 * (sat < 0 ? 1.0 : sat);
}
