/*
 * Liaison: A17 special supervision.
 */

#include <stdio.h>
#include "lsn_supervision.h"


const char *lsn_supervise_reasons[] = {
    "complaints", "rating", "idle", "manual", NULL
};


size_t
lsn_supervise_reason_zh(lsn_supervise_reason_e reason, int detail,
    char *buf, size_t cap)
{
    int  n;

    if (cap == 0) {
        return 0;
    }

    switch (reason) {
    case LSN_SUPERVISE_COMPLAINTS:
        n = snprintf(buf, cap, "同一事项重复投诉");
        break;
    case LSN_SUPERVISE_RATING:
        n = snprintf(buf, cap, "当事人评价不满意（%d星）", detail);
        break;
    case LSN_SUPERVISE_IDLE:
        n = snprintf(buf, cap, "工单连续%d个工作日无办理动作", detail);
        break;
    case LSN_SUPERVISE_MANUAL:
        n = snprintf(buf, cap, "院领导或立案庭交办督办");
        break;
    default:
        n = snprintf(buf, cap, "专项督办");
    }

    if (n < 0) {
        buf[0] = '\0';
        return 0;
    }

    return (size_t) n < cap ? (size_t) n : cap - 1;
}


time_t
lsn_supervise_idle_at(const lsn_calendar_t *cal, time_t last_action,
    int idle_days)
{
    if (idle_days < 1) {
        return 0;
    }

    return lsn_calendar_add_working_days(cal, last_action, idle_days, NULL);
}
