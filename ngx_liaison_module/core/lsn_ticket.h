/*
 * Liaison: ticket rules of A4 (first triage by category), ticket numbers
 * and query codes.
 */

#ifndef _LSN_TICKET_H_INCLUDED_
#define _LSN_TICKET_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <time.h>


typedef enum {
    LSN_TRACK_SIMPLE = 0,
    LSN_TRACK_ORDINARY
} lsn_track_e;


/*
 * Index into lsn_channels[] / lsn_categories[] (exact, case-sensitive
 * match), or -1 when unknown.  Channels, in this order: wechat web kiosk
 * hall hotline; categories: case_query consultation document material
 * suggestion contact_judge complaint other president_mailbox petition
 * report.
 */
int lsn_channel_index(const char *s, size_t len);
int lsn_category_index(const char *s, size_t len);

extern const char *lsn_channels[];    /* NULL-ended */
extern const char *lsn_categories[];  /* NULL-ended */

/* 1 for "hall" and "hotline": registered by staff on a person's behalf. */
int lsn_channel_needs_staff(int channel);

/*
 * A4: case_query, consultation, document, material, suggestion -> simple;
 * the others, and an unknown index, -> ordinary (a person looks at it).
 */
lsn_track_e lsn_track_for_category(int category);

/*
 * A3: the categories that go straight to one office, by the kind of its
 * department (departments.kind): the president's mailbox (院长信箱) to the
 * president's office, an online petition (网上信访) to the case-filing
 * division, a report (举报) to discipline inspection.  NULL for the rest,
 * which platform staff triage and dispatch.
 */
const char *lsn_category_route(int category);
/* "simple", "ordinary" ("unknown" for a value out of the enum). */
const char *lsn_track_name(lsn_track_e track);


/*
 * Ticket number people can read aloud: YYMMDD of registration (Beijing),
 * the sequence number zero-padded to at least 6 digits, and a Luhn check
 * digit over all the digits before it, e.g. "2611270001235" (seq 123).  dst
 * >= 32, gets a NUL.  Returns the length.  A seq >= 10^17 makes a number
 * longer than lsn_ticket_no_valid() accepts.
 */
size_t lsn_ticket_no_make(time_t t, unsigned long long seq, char *dst);
/*
 * 1 when s has the shape (13..24 digits, MMDD a possible date) and a
 * correct check digit.  Luhn catches every single-digit error and every
 * adjacent transposition except 09 <-> 90.
 */
int lsn_ticket_no_valid(const char *s, size_t len);


#define LSN_QUERY_CODE_LEN  10

/*
 * Query code from random bytes (exactly LSN_QUERY_CODE_LEN of them are
 * read): an alphabet of 31 without look-alikes (no 0 O 1 I L),
 * "23456789ABCDEFGHJKMNPQRSTUVWXYZ".  The 80 random bits are read as one
 * number and written in base 31, so the code is uniform to within
 * 31^10 / 2^80 (< 1e-9), about 49.5 bits.  dst gets LSN_QUERY_CODE_LEN
 * chars, no NUL.
 */
void lsn_query_code_make(const unsigned char *rnd, char *dst);
/* 1 when s is a well-formed query code (case-insensitive input). */
int lsn_query_code_valid(const char *s, size_t len);
/*
 * The canonical (upper-case) form of a valid code into dst
 * (LSN_QUERY_CODE_LEN chars, no NUL).  Returns 0, or -1 when not valid.
 */
int lsn_query_code_normalize(const char *s, size_t len, char *dst);


#endif /* _LSN_TICKET_H_INCLUDED_ */
