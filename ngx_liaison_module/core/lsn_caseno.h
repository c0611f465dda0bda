/*
 * Liaison: Chinese case numbers (案号), SPC rules of 2015/2018.
 */

#ifndef _LSN_CASENO_H_INCLUDED_
#define _LSN_CASENO_H_INCLUDED_


#include <stddef.h>


#define LSN_CASENO_MAX  128


typedef struct {
    int     year;
    char    court[32];        /* "粤0115", "最高法", "粤01" */
    char    special[8];       /* specialised-trial code, "知" or "" */
    char    type[32];         /* "民初" */
    char    serial[64];       /* "1234", "30063、30062" */
    char    suffix[32];       /* "之一" or "" */
    int     legacy;           /* pre-2016 form "(2013)广海法初字第438号" */
    /* normalised form with full-width brackets, NUL-terminated */
    char    normalized[LSN_CASENO_MAX];
    size_t  normalized_len;
} lsn_caseno_t;


/*
 * Parses and normalises a case number (UTF-8).  Accepts half- and
 * full-width brackets and surrounding spaces.  Returns 0, or -1 when the
 * text is not a case number.
 */
int lsn_caseno_parse(const char *s, size_t len, lsn_caseno_t *cn);


#endif /* _LSN_CASENO_H_INCLUDED_ */
