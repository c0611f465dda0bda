/*
 * Unit tests: the project's working-day calendar (data/cn-working-days.txt)
 * read into a new calendar, for the tests that count working days.
 */

#ifndef _TEST_CALENDAR_FILE_H_INCLUDED_
#define _TEST_CALENDAR_FILE_H_INCLUDED_


#include <stdio.h>
#include <stdlib.h>

#include "lsn_calendar.h"


#ifndef LSN_TEST_DATA_DIR
#define LSN_TEST_DATA_DIR  "../data"
#endif

#define TEST_CALENDAR_FILE  LSN_TEST_DATA_DIR "/cn-working-days.txt"


/*
 * A calendar with the file's years (free() it), or NULL; *days: what
 * lsn_calendar_parse() returned.
 */
static lsn_calendar_t *
test_calendar_load(int *days)
{
    FILE            *f;
    long             len;
    char            *text;
    lsn_calendar_t  *cal;

    *days = 0;

    f = fopen(TEST_CALENDAR_FILE, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", TEST_CALENDAR_FILE);
        return NULL;
    }

    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);

    text = len > 0 ? malloc((size_t) len) : NULL;
    cal = malloc(sizeof(lsn_calendar_t));

    if (text == NULL || cal == NULL
        || fread(text, 1, (size_t) len, f) != (size_t) len)
    {
        fclose(f);
        free(text);
        free(cal);
        return NULL;
    }

    fclose(f);

    lsn_calendar_init(cal);
    *days = lsn_calendar_parse(cal, text, (size_t) len);
    free(text);

    return cal;
}


#endif /* _TEST_CALENDAR_FILE_H_INCLUDED_ */
