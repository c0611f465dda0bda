/*
 * Unit tests: lsn_filetype (attachment types by content, file names).
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "lsn_filetype.h"


static void
test_sniff(void **state)
{
    (void) state;

    assert_int_equal(lsn_filetype_sniff((const unsigned char *)
                         "\xff\xd8\xff\xe0\x00\x10JFIF", 10), LSN_FILE_JPEG);
    assert_int_equal(lsn_filetype_sniff((const unsigned char *)
                         "\xff\xd8\xff", 3), LSN_FILE_JPEG);
    assert_int_equal(lsn_filetype_sniff((const unsigned char *)
                         "\x89PNG\r\n\x1a\n\0\0", 10), LSN_FILE_PNG);
    assert_int_equal(lsn_filetype_sniff((const unsigned char *)
                         "%PDF-1.7\n", 9), LSN_FILE_PDF);

    /* short, near misses, other formats */
    assert_int_equal(lsn_filetype_sniff((const unsigned char *)
                         "\xff\xd8", 2), LSN_FILE_UNKNOWN);
    assert_int_equal(lsn_filetype_sniff((const unsigned char *)
                         "\x89PNG\r\n\x1a", 7), LSN_FILE_UNKNOWN);
    assert_int_equal(lsn_filetype_sniff((const unsigned char *)
                         "\x89PNG\n\r\x1a\n", 8), LSN_FILE_UNKNOWN);
    assert_int_equal(lsn_filetype_sniff((const unsigned char *)
                         "%PDF1.7", 7), LSN_FILE_UNKNOWN);
    assert_int_equal(lsn_filetype_sniff((const unsigned char *)
                         "\x7f" "ELF\x02\x01\x01\0", 8), LSN_FILE_UNKNOWN);
    assert_int_equal(lsn_filetype_sniff((const unsigned char *)
                         "MZ\x90\0", 4), LSN_FILE_UNKNOWN);
    assert_int_equal(lsn_filetype_sniff((const unsigned char *)
                         "GIF89a", 6), LSN_FILE_UNKNOWN);
    assert_int_equal(lsn_filetype_sniff((const unsigned char *) "", 0),
                     LSN_FILE_UNKNOWN);
}


static void
test_mime(void **state)
{
    (void) state;

    assert_int_equal(lsn_filetype_from_mime("image/jpeg", 10),
                     LSN_FILE_JPEG);
    assert_int_equal(lsn_filetype_from_mime("Image/PNG", 9), LSN_FILE_PNG);
    assert_int_equal(lsn_filetype_from_mime("application/pdf; x=1", 20),
                     LSN_FILE_PDF);
    assert_int_equal(lsn_filetype_from_mime("image/jpeg ;q", 12),
                     LSN_FILE_JPEG);
    assert_int_equal(lsn_filetype_from_mime("image/jpg", 9),
                     LSN_FILE_UNKNOWN);
    assert_int_equal(lsn_filetype_from_mime("image/jpegx", 11),
                     LSN_FILE_UNKNOWN);
    assert_int_equal(lsn_filetype_from_mime("application/octet-stream", 24),
                     LSN_FILE_UNKNOWN);
    assert_int_equal(lsn_filetype_from_mime("", 0), LSN_FILE_UNKNOWN);

    assert_string_equal(lsn_filetype_mime(LSN_FILE_PDF), "application/pdf");
    assert_null(lsn_filetype_mime(LSN_FILE_UNKNOWN));
}


static void
test_filename(void **state)
{
    char  name[512];

    (void) state;

    assert_int_equal(lsn_filename_valid("photo.jpg", 9), 1);
    assert_int_equal(lsn_filename_valid("\xe8\xb5\xb7\xe8\xaf\x89\xe7\x8a"
                                        "\xb6 (1).pdf", 15), 1);
    assert_int_equal(lsn_filename_valid("", 0), 0);
    assert_int_equal(lsn_filename_valid(".htaccess", 9), 0);
    assert_int_equal(lsn_filename_valid("../etc/passwd", 13), 0);
    assert_int_equal(lsn_filename_valid("a\\b.jpg", 7), 0);
    assert_int_equal(lsn_filename_valid("a\"b.jpg", 7), 0);
    assert_int_equal(lsn_filename_valid("a\nb.jpg", 7), 0);
    assert_int_equal(lsn_filename_valid("a\x01.jpg", 6), 0);
    assert_int_equal(lsn_filename_valid(" a.jpg", 6), 0);
    /* found by tests/fuzz/fuzz_filetype: \v \f at the ends were trimmed
       as white space by lsn_text_valid() and let through */
    assert_int_equal(lsn_filename_valid("f\x0b", 2), 0);
    assert_int_equal(lsn_filename_valid("\x0c" "a.jpg", 6), 0);
    assert_int_equal(lsn_filename_valid("a.jpg\x7f", 6), 0);
    assert_int_equal(lsn_filename_valid("a.jpg ", 6), 0);
    assert_int_equal(lsn_filename_valid("\xff.jpg", 5), 0);

    memset(name, 'a', sizeof(name));
    assert_int_equal(lsn_filename_valid(name, LSN_FILENAME_MAX), 1);
    assert_int_equal(lsn_filename_valid(name, LSN_FILENAME_MAX + 1), 0);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_mime),
        cmocka_unit_test(test_filename),
    };

    return cmocka_run_group_tests_name("filetype", tests, NULL, NULL);
}
