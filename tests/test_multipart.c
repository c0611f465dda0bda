/*
 * Unit tests: lsn_multipart (the file part of a multipart/form-data
 * upload, as wx.uploadFile and browsers send it).
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "lsn_multipart.h"


static lsn_mp_rc_e
parse(const char *body, const char *boundary, lsn_multipart_file_t *f)
{
    return lsn_multipart_file((const unsigned char *) body, strlen(body),
                              boundary, strlen(boundary), f);
}


static void
test_boundary(void **state)
{
    char  b[LSN_BOUNDARY_MAX + 1];

    (void) state;

    assert_int_equal(lsn_multipart_boundary(
        "multipart/form-data; boundary=----WebKitFormBoundary7MA4", 56, b),
        26);
    assert_string_equal(b, "----WebKitFormBoundary7MA4");
    assert_int_equal(lsn_multipart_boundary(
        "Multipart/Form-Data;charset=utf-8; boundary=\"a b\"", 50, b), 3);
    assert_string_equal(b, "a b");

    /* not a form, no boundary, too long, a character not allowed */
    assert_int_equal(lsn_multipart_boundary("image/jpeg", 10, b), 0);
    assert_int_equal(lsn_multipart_boundary("multipart/form-data", 19, b), 0);
    assert_int_equal(lsn_multipart_boundary(
        "multipart/form-data; boundary=x<y", 33, b), 0);
    assert_int_equal(lsn_multipart_boundary(
        "multipart/form-data; boundary=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 101, b), 0);
    assert_int_equal(lsn_multipart_is("multipart/form-data;x", 21), 1);
    assert_int_equal(lsn_multipart_is("multipart/mixed", 15), 0);
}


static void
test_file(void **state)
{
    const char            *body;
    lsn_multipart_file_t   f;

    (void) state;

    /* wx.uploadFile: formData fields, then name="file" */
    body = "--XX\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n"
           "hello\r\n--XX\r\nContent-Disposition: form-data; name=\"file\"; "
           "filename=\"wxfile://tmp_1.jpg\"\r\nContent-Type: text/plain\r\n"
           "\r\n\xff\xd8\xff\r\n--\r\nX\r\n--XX--\r\n";
    assert_int_equal(parse(body, "XX", &f), LSN_MP_OK);
    assert_string_equal(f.filename, "tmp_1.jpg");
    assert_int_equal(f.len, 10);                 /* CRLF-- inside is data */
    assert_memory_equal(body + f.start, "\xff\xd8\xff\r\n--\r\nX", 10);

    /* a browser's path, another field name, a preamble */
    body = "preamble\r\n--b\r\nContent-Disposition: form-data; "
           "name=\"upload\"; filename=\"C:\\\\fakepath\\\\证据.pdf\"\r\n\r\n"
           "%PDF\r\n--b--";
    assert_int_equal(parse(body, "b", &f), LSN_MP_OK);
    assert_string_equal(f.filename, "证据.pdf");
    assert_int_equal(f.len, 4);

    /* the part named "file" wins over another with a filename */
    body = "--b\r\nContent-Disposition: form-data; name=\"x\"; "
           "filename=\"a.jpg\"\r\n\r\nA\r\n--b\r\nContent-Disposition: "
           "form-data; name=\"file\"; filename=\"b.jpg\"\r\n\r\nBB\r\n--b--";
    assert_int_equal(parse(body, "b", &f), LSN_MP_OK);
    assert_string_equal(f.filename, "b.jpg");
    assert_int_equal(f.len, 2);

    /* name="file" without a filename: the file, no name */
    body = "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"
           "C\r\n--b--\r\n";
    assert_int_equal(parse(body, "b", &f), LSN_MP_OK);
    assert_int_equal(f.filename_len, 0);
    assert_int_equal(f.len, 1);
}


static void
test_refused(void **state)
{
    lsn_multipart_file_t  f;

    (void) state;

    assert_int_equal(parse("--b\r\nContent-Disposition: form-data; "
                           "name=\"note\"\r\n\r\nx\r\n--b--", "b", &f),
                     LSN_MP_NO_FILE);
    assert_int_equal(parse("--b\r\nContent-Disposition: form-data; "
                           "name=\"file\"; filename=\"a\"\r\n\r\nx\r\n--b\r\n"
                           "Content-Disposition: form-data; name=\"file\"; "
                           "filename=\"b\"\r\n\r\ny\r\n--b--", "b", &f),
                     LSN_MP_MANY_FILES);
    /* no closing delimiter, no delimiter at all, headers never end */
    assert_int_equal(parse("--b\r\nContent-Disposition: form-data; "
                           "name=\"file\"\r\n\r\nxyz", "b", &f),
                     LSN_MP_MALFORMED);
    assert_int_equal(parse("just bytes", "b", &f), LSN_MP_MALFORMED);
    assert_int_equal(parse("--b\r\nContent-Disposition: form-data", "b", &f),
                     LSN_MP_MALFORMED);
    assert_int_equal(parse("--bX\r\n\r\n\r\n--b--", "b", &f),
                     LSN_MP_MALFORMED);
    assert_int_equal(parse("", "b", &f), LSN_MP_MALFORMED);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundary),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
