/*
 * Fuzzing: the small parsers of identifiers and settings: ticket numbers
 * and query codes (lsn_ticket), the trial system's event ids, phone
 * hashes and names (lsn_case), office hours (lsn_ladder), WeChat
 * template values and error messages (lsn_wxmsg).  The first byte picks
 * the key of a template value.
 */

#include "fuzz.h"
#include "lsn_case.h"
#include "lsn_ladder.h"
#include "lsn_ticket.h"
#include "lsn_workflow.h"
#include "lsn_wxmsg.h"


static const char  *keys[] = {
    "thing1", "number2", "letter3", "symbol4", "character_string5", "time6",
    "date7", "amount8", "phone_number9", "name10", "phrase11", "other12"
};


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    char               *s, code[LSN_QUERY_CODE_LEN], again[LSN_QUERY_CODE_LEN];
    char                fit[LSN_WXMSG_MAX], field[16];
    size_t              len;
    const char         *key;
    lsn_ladder_conf_t   conf;

    s = fz_dup(data, n);

    if (lsn_query_code_valid(s, n)) {
        FZ_CHECK(lsn_query_code_normalize(s, n, code) == 0);
        FZ_CHECK(lsn_query_code_valid(code, LSN_QUERY_CODE_LEN));
        FZ_CHECK(lsn_query_code_normalize(code, LSN_QUERY_CODE_LEN, again)
                 == 0);
        FZ_CHECK(memcmp(code, again, LSN_QUERY_CODE_LEN) == 0);

    } else {
        FZ_CHECK(lsn_query_code_normalize(s, n, code) == -1);
    }

    if (lsn_ticket_no_valid(s, n)) {
        FZ_CHECK(n >= 13 && n <= 24);
    }

    (void) lsn_event_id_valid(s, n);
    (void) lsn_phone_hash_valid(s, n);
    (void) lsn_node_type_index(s, n);
    (void) lsn_party_role_index(s, n);
    (void) lsn_procedure_index(s, n);
    (void) lsn_channel_index(s, n);
    (void) lsn_category_index(s, n);
    (void) lsn_status_index(s, n);
    (void) lsn_action_index(s, n);
    (void) lsn_role_index(s, n);

    lsn_ladder_conf_default(&conf);
    if (lsn_ladder_parse_hours(&conf, s, n) == 0) {
        FZ_CHECK(lsn_ladder_conf_valid(&conf) == 0);
        FZ_CHECK(conf.am_start < conf.am_end && conf.am_end <= conf.pm_start
                 && conf.pm_start < conf.pm_end);
    }

    if (n > 0) {
        key = keys[data[0] % (sizeof(keys) / sizeof(keys[0]))];
        len = lsn_wxmsg_fit(key, strlen(key), s + 1, n - 1, fit);
        FZ_CHECK(len < LSN_WXMSG_MAX && fit[len] == '\0');
    }

    len = lsn_wxmsg_error_field(s, n, field, sizeof(field));
    FZ_CHECK(len < sizeof(field) && field[len] == '\0');

    free(s);

    return 0;
}
