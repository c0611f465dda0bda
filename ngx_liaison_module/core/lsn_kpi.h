/*
 * Liaison: the A2 indicators, defined once for the module's KPI endpoint
 * and the worker's monthly bulletin (docs/kpi.md).
 */

#ifndef _LSN_KPI_H_INCLUDED_
#define _LSN_KPI_H_INCLUDED_


#include <stddef.h>
#include <time.h>


typedef enum {
    LSN_KPI_TOTAL = 0,
    LSN_KPI_BY_DEPARTMENT,
    LSN_KPI_BY_HANDLER        /* the first handler (A17) */
} lsn_kpi_group_e;


/* The columns of a row of lsn_kpi_sql(), in order. */
typedef struct {
    unsigned long long  requests;       /* registered in the period */
    unsigned long long  dispatched;     /* ... of which dispatched (while
                                           the period runs: and due to be
                                           accepted, or accepted) */
    unsigned long long  accepted_in_time;
    unsigned long long  work_orders;    /* ordinary track (while the
                                           period runs: due or replied) */
    unsigned long long  contacted;      /* ... replied by the handler */
    unsigned long long  due;            /* due (or answered) by the end */
    unsigned long long  on_time;        /* ... answered by the due time */
    unsigned long long  ratings;
    unsigned long long  rating_sum;
    unsigned long long  satisfied;      /* ratings of 4 or 5 */
} lsn_kpi_t;

#define LSN_KPI_COLUMNS  10


/*
 * One SELECT over the tickets registered in [from, to): columns "key",
 * "name", then the LSN_KPI_COLUMNS counts.  department != 0 restricts to
 * one department.  now: a period that has not ended (to > now) counts
 * only what is already due by now (docs/kpi.md).  Same contract as lsn_sql_format(): returns the length
 * needed, writes at most cap bytes.
 */
long lsn_kpi_sql(char *dst, size_t cap, lsn_kpi_group_e group, time_t from,
    time_t to, time_t now, unsigned long long department);

/* Reads the counts from row columns 2.. (NULL counts as 0). */
void lsn_kpi_from_row(lsn_kpi_t *k, char **row);

/* A rate in [0, 1]; -1 when the denominator is 0 (nothing to measure). */
double lsn_kpi_rate(unsigned long long num, unsigned long long den);

/*
 * A16 ranking score, 0..100: 40 timely acceptance + 30 on-time completion
 * + 20 judge contact + 10 satisfaction (share of 4-5 ratings); a rate with
 * nothing to measure counts as met.
 */
double lsn_kpi_score(const lsn_kpi_t *k);


#endif /* _LSN_KPI_H_INCLUDED_ */
