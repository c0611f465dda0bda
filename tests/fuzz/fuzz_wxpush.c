/*
 * Fuzzing: lsn_xml_parse() and lsn_wxpush_from_xml()/_check(), the XML
 * WeChat pushes to /api/v1/wx/push (plaintext, or opened from safe mode).
 */

#include "fuzz.h"
#include "lsn_wxpush.h"


static int
fz_in(const char *p, size_t len, const char *buf, size_t n)
{
    return p >= buf && p + len <= buf + n;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    int                i;
    char              *buf;
    lsn_xml_t          x;
    const char        *err;
    lsn_wxpush_msg_t   m;

    buf = fz_dup(data, n);

    if (lsn_xml_parse(buf, n, &x, &err) == 0) {
        FZ_CHECK(x.n >= 1 && x.n <= LSN_XML_MAX_NODES);

        for (i = 0; i < x.n; i++) {
            FZ_CHECK(fz_in(x.nodes[i].name, x.nodes[i].name_len, buf, n));
            FZ_CHECK(x.nodes[i].text[x.nodes[i].text_len] == '\0');
            FZ_CHECK(x.nodes[i].parent < i);
            FZ_CHECK(i == 0 || x.nodes[i].parent >= 0);
        }

        memset(&m, 0, sizeof(m));
        if (lsn_wxpush_from_xml(&x, &m, &err) == 0) {
            FZ_CHECK(m.nitems <= LSN_WXPUSH_MAX_ITEMS);
            if (lsn_wxpush_check(&m, &err) == 0) {
                FZ_CHECK(m.from.p != NULL && m.from.len >= 1
                         && m.from.len <= LSN_WXPUSH_ID_MAX);
                FZ_CHECK(m.created >= 0);
            }
        }

    } else {
        FZ_CHECK(err != NULL);
    }

    free(buf);

    return 0;
}
