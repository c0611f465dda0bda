/*
 * Liaison: node types, roles, procedures, phone hashes.
 */


#include <string.h>

#include "lsn_case.h"
#include "lsn_text.h"
#include "lsn_token.h"


const char  *lsn_node_types[] = {
    "filed", "hearing_scheduled", "period_extended", "period_deducted",
    "appeal_transferred", "closed", "archived", "judgment_effective",
    "bench_formed", "procedure_changed", "served", "judgment_announced",
    "hearing_postponed", "evidence_exchange", "preservation", "appraisal",
    "jurisdiction_objection", "recusal", NULL
};

const char  *lsn_node_phrases[] = {
    "已立案", "开庭排期", "延长审限", "扣除审限",
    "移送上诉", "已结案", "已归档", "判决生效",
    "合议庭组成", "程序变更", "文书送达", "宣判",
    "延期开庭", "证据交换", "保全", "鉴定评估",
    "管辖异议", "申请回避", NULL
};

const char  *lsn_party_roles[] = {
    "plaintiff", "defendant", "third_party", "appellant", "appellee",
    "applicant", "respondent", "enforcement_applicant",
    "enforcement_respondent", "victim", "other_party",
    "lawyer", "agent", NULL
};

#define LSN_ROLE_FIRST_LAWYER  11

const char  *lsn_procedures[] = {
    "ordinary", "summary", "small_claims", "second_instance", "special",
    "retrial", "enforcement", "other", NULL
};


int
lsn_node_type_index(const char *s, size_t len)
{
    return lsn_name_index(lsn_node_types, s, len);
}


int
lsn_party_role_index(const char *s, size_t len)
{
    return lsn_name_index(lsn_party_roles, s, len);
}


int
lsn_party_role_is_lawyer(int role)
{
    return role >= LSN_ROLE_FIRST_LAWYER
           && lsn_party_roles[role] != NULL;
}


int
lsn_procedure_index(const char *s, size_t len)
{
    return lsn_name_index(lsn_procedures, s, len);
}


int
lsn_event_id_valid(const char *s, size_t len)
{
    size_t  i;
    char    c;

    if (s == NULL || len == 0 || len > LSN_EVENT_ID_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':'
              || c == '-'))
        {
            return 0;
        }
    }

    return 1;
}


int
lsn_phone_hash_valid(const char *s, size_t len)
{
    size_t  i;
    char    c;

    if (s == NULL || len != LSN_PHONE_HASH_LEN) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = s[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
              || (c >= 'A' && c <= 'F')))
        {
            return 0;
        }
    }

    return 1;
}


int
lsn_phone_hash(const unsigned char *key, size_t keylen, const char *phone,
    size_t len, char *hex)
{
    if (len == 14 && memcmp(phone, "+86", 3) == 0) {
        phone += 3;
        len -= 3;

    } else if (len == 13 && memcmp(phone, "86", 2) == 0) {
        phone += 2;
        len -= 2;
    }

    if (len != 11 || phone[0] != '1' || !lsn_phone_valid(phone, len)) {
        return -1;
    }

    if (lsn_hmac_hex(key, keylen, phone, len, hex) != 0) {
        return -1;
    }

    hex[LSN_PHONE_HASH_LEN] = '\0';

    return 0;
}
