/*
 * Liaison: the outbox's channel and kind names.
 */

#include "lsn_outbox.h"
#include "lsn_text.h"


const char *lsn_outbox_channels[] = {
    "wx_subscribe", "wx_template", "sms", "wecom", "wx_sec_check",
    "wx_custom", NULL
};


const char *lsn_outbox_kinds[] = {
    "ticket_reply", "case_node", "content_check", "push_reply",
    "risk_alert", "risk_overdue", "sms_fallback", "calendar_missing",
    "ticket_registered", "work_order", "ticket_message", "supervision",
    "referral", "referral_concluded", "ticket_answered", "liaison_change",
    "follow_up", "bulletin", "ticket_closed", NULL
};


int
lsn_outbox_channel_index(const char *s, size_t len)
{
    return lsn_name_index(lsn_outbox_channels, s, len);
}
