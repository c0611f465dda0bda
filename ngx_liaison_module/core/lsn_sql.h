/*
 * Liaison: the one SQL builder.  Every value that reaches SQL goes through
 * lsn_sql_format(), which quotes and escapes it; nothing else pastes input
 * into SQL.
 *
 * The connection must use utf8mb4 and a sql_mode without
 * NO_BACKSLASH_ESCAPES (the module and the worker set both on connect).
 */

#ifndef _LSN_SQL_H_INCLUDED_
#define _LSN_SQL_H_INCLUDED_


#include <stdarg.h>
#include <stddef.h>


/*
 * Format directives (everything else is copied verbatim and must be a
 * constant in the code, never input):
 *   $s  const char *p, size_t len  -> 'escaped' ('NULL' when p == NULL)
 *   $z  const char *p (NUL-ended)   -> 'escaped' ('NULL' when p == NULL)
 *   $i  long long                    -> decimal
 *   $u  unsigned long long           -> decimal
 *   $t  time_t                       -> 'YYYY-MM-DD HH:MM:SS' Beijing time
 *   $$                               -> $
 * Arguments must have exactly these types: cast ((long long) n,
 * (size_t) len); $s takes both arguments even when p is NULL.
 * Writes at most cap bytes (no NUL) and returns the full length needed, so
 * a caller can size a buffer with a first call of cap 0 (dst may then be
 * NULL).  Returns -1 on an unknown directive or a '$' ending fmt.
 * lsn_sql_vformat() consumes args: va_copy() it for a second call.
 */
long lsn_sql_vformat(char *dst, size_t cap, const char *fmt, va_list args);
long lsn_sql_format(char *dst, size_t cap, const char *fmt, ...);

/* Escapes s for inside single quotes; dst >= 2 * len.  Returns length. */
size_t lsn_sql_escape(char *dst, const char *s, size_t len);


#endif /* _LSN_SQL_H_INCLUDED_ */
