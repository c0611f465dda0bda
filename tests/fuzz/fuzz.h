/*
 * Liaison: helpers shared by the libFuzzer harnesses of the plain-C core
 * (docs/security.md, "Fuzzing").  Every harness hands the parser an
 * exactly sized heap copy, so AddressSanitizer sees any read past the
 * input.
 */

#ifndef _LSN_FUZZ_H_INCLUDED_
#define _LSN_FUZZ_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


/* A heap copy of n bytes (never NULL: one byte for an empty input). */
static inline char *
fz_dup(const uint8_t *data, size_t n)
{
    char  *p;

    p = malloc(n ? n : 1);
    if (p == NULL) {
        abort();
    }

    memcpy(p, data, n);

    return p;
}


/* The same, NUL-ended (the input's own NULs cut it short). */
static inline char *
fz_strdup(const uint8_t *data, size_t n)
{
    char  *p;

    p = malloc(n + 1);
    if (p == NULL) {
        abort();
    }

    memcpy(p, data, n);
    p[n] = '\0';

    return p;
}


/*
 * Splits the input at its first '\n': the head (not NUL-ended) and the
 * rest.  No '\n': all of it is the head and the rest is empty.
 */
static inline void
fz_split(const uint8_t *data, size_t n, size_t *head, const uint8_t **rest,
    size_t *rlen)
{
    const uint8_t  *nl;

    nl = memchr(data, '\n', n);
    if (nl == NULL) {
        *head = n;
        *rest = data + n;
        *rlen = 0;
        return;
    }

    *head = (size_t) (nl - data);
    *rest = nl + 1;
    *rlen = n - *head - 1;
}


/* A property every run must hold: a failure is a finding. */
#define FZ_CHECK(cond)                                                       \
    do {                                                                     \
        if (!(cond)) {                                                       \
            __builtin_trap();                                                \
        }                                                                    \
    } while (0)


#endif /* _LSN_FUZZ_H_INCLUDED_ */
