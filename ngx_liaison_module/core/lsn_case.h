/*
 * Liaison: what the trial business system sends about cases (A7) —
 * process-node types with the short names pushed to litigants, party and
 * lawyer roles, procedures — and the keyed phone hash that proves a
 * litigant is a party or lawyer of a case without storing the number.
 */

#ifndef _LSN_CASE_H_INCLUDED_
#define _LSN_CASE_H_INCLUDED_


#include <stddef.h>


#define LSN_PHONE_HASH_LEN  64
#define LSN_EVENT_ID_MAX    64


/*
 * Node types (at least those of the contract and A7; more from the SPC
 * disclosure rules, 法释〔2018〕7号), NULL-ended, and their names for a
 * subscribe message's phrase field (<= 5 characters each), same order.
 */
extern const char *lsn_node_types[];
extern const char *lsn_node_phrases[];
int lsn_node_type_index(const char *s, size_t len);

/*
 * Roles: parties (plaintiff defendant third_party appellant appellee
 * applicant respondent enforcement_applicant enforcement_respondent
 * victim other_party) and representatives (lawyer agent).  NULL-ended.
 */
extern const char *lsn_party_roles[];
int lsn_party_role_index(const char *s, size_t len);
/* 1 for lawyer and agent (the subscription kind "lawyer"), else 0. */
int lsn_party_role_is_lawyer(int role);

/* ordinary summary small_claims second_instance special retrial
   enforcement other; NULL-ended. */
extern const char *lsn_procedures[];
int lsn_procedure_index(const char *s, size_t len);

/* 1..64 of A-Z a-z 0-9 _ . : -   Returns 1 or 0. */
int lsn_event_id_valid(const char *s, size_t len);

/* 64 hex digits, either case.  Returns 1 or 0. */
int lsn_phone_hash_valid(const char *s, size_t len);

/*
 * The keyed phone hash both sides compute: lowercase hex HMAC-SHA256
 * under the shared key of the mainland mobile number as 11 digits
 * ("13800138000"; a leading "+86" or "86" is dropped first).  Writes 64
 * chars and a NUL into hex (65 bytes).  Returns 0, or -1 when phone is
 * not a mainland mobile number or libcrypto fails.
 */
int lsn_phone_hash(const unsigned char *key, size_t keylen,
    const char *phone, size_t len, char *hex);


#endif /* _LSN_CASE_H_INCLUDED_ */
