/*
 * Liaison: WeChat push messages: a strict parser for WeChat's flat XML
 * and the checks every message goes through.
 */

#include <string.h>

#include "lsn_wxpush.h"


typedef struct {
    char          *p;       /* read position */
    char          *end;
    lsn_xml_t     *x;
    const char    *err;
} lsn_xml_ctx_t;


static int lsn_xml_element(lsn_xml_ctx_t *c, int parent, int depth);
static int lsn_xml_name(lsn_xml_ctx_t *c, const char **name, size_t *len);
static int lsn_xml_entity(lsn_xml_ctx_t *c, char **wp);
static size_t lsn_utf8_put(char *dst, unsigned long cp);
static int lsn_xml_space(int ch);
static int lsn_wxpush_field(const lsn_xml_t *x, int i, lsn_wxpush_str_t *s);
static int lsn_wxpush_list(const lsn_xml_t *x, int list,
    lsn_wxpush_msg_t *m);
static int lsn_wxpush_id(const lsn_wxpush_str_t *s);
static int lsn_wxpush_word(const lsn_wxpush_str_t *s, size_t max);
static int lsn_wxpush_digits(const lsn_wxpush_str_t *s, size_t max);


static int
lsn_xml_space(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}


static int
lsn_xml_starts(lsn_xml_ctx_t *c, const char *lit)
{
    size_t  n;

    n = strlen(lit);

    return (size_t) (c->end - c->p) >= n && memcmp(c->p, lit, n) == 0;
}


int
lsn_xml_parse(char *buf, size_t len, lsn_xml_t *x, const char **err)
{
    lsn_xml_ctx_t  c;

    c.p = buf;
    c.end = buf + len;
    c.x = x;
    c.err = "invalid XML";
    x->n = 0;

    /* a UTF-8 byte order mark, white space, <?xml ...?> */
    if (lsn_xml_starts(&c, "\xef\xbb\xbf")) {
        c.p += 3;
    }

    while (c.p < c.end && lsn_xml_space((unsigned char) *c.p)) {
        c.p++;
    }

    if (lsn_xml_starts(&c, "<?xml")
        && c.end - c.p > 5 && lsn_xml_space((unsigned char) c.p[5]))
    {
        for (c.p += 5; c.p + 1 < c.end; c.p++) {
            if (c.p[0] == '?' && c.p[1] == '>') {
                break;
            }

            if (c.p[0] == '<' || c.p[0] == '>') {
                *err = "invalid XML declaration";
                return -1;
            }
        }

        if (c.p + 1 >= c.end) {
            *err = "invalid XML declaration";
            return -1;
        }

        c.p += 2;

        while (c.p < c.end && lsn_xml_space((unsigned char) *c.p)) {
            c.p++;
        }
    }

    if (c.p >= c.end || *c.p != '<') {
        *err = "no XML root element";
        return -1;
    }

    if (lsn_xml_element(&c, -1, 1) != 0) {
        *err = c.err;
        return -1;
    }

    while (c.p < c.end && lsn_xml_space((unsigned char) *c.p)) {
        c.p++;
    }

    if (c.p != c.end) {
        *err = "data after the XML root element";
        return -1;
    }

    return 0;
}


static int
lsn_xml_name(lsn_xml_ctx_t *c, const char **name, size_t *len)
{
    char  *s;
    int    ch;

    s = c->p;

    while (c->p < c->end) {
        ch = (unsigned char) *c->p;

        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
            || ch == '_'
            || (c->p > s && ((ch >= '0' && ch <= '9') || ch == '-'
                             || ch == '.')))
        {
            c->p++;
            continue;
        }

        break;
    }

    if (c->p == s || c->p - s > LSN_XML_MAX_NAME) {
        c->err = "invalid XML element name";
        return -1;
    }

    *name = s;
    *len = c->p - s;

    return 0;
}


/* c->p is at '<' of the start tag. */

static int
lsn_xml_element(lsn_xml_ctx_t *c, int parent, int depth)
{
    int              idx, ch, nonspace;
    char            *wp, *text;
    size_t           name_len, close_len;
    const char      *name, *close;
    lsn_xml_node_t  *node;

    if (depth > LSN_XML_MAX_DEPTH) {
        c->err = "XML nested too deeply";
        return -1;
    }

    if (c->x->n >= LSN_XML_MAX_NODES) {
        c->err = "too many XML elements";
        return -1;
    }

    c->p++;

    if (c->p < c->end && (*c->p == '!' || *c->p == '?')) {
        c->err = "XML comments, DOCTYPE and processing instructions "
                 "are not accepted";
        return -1;
    }

    if (lsn_xml_name(c, &name, &name_len) != 0) {
        return -1;
    }

    while (c->p < c->end && lsn_xml_space((unsigned char) *c->p)) {
        c->p++;
    }

    idx = c->x->n++;
    node = &c->x->nodes[idx];
    node->name = name;
    node->name_len = name_len;
    node->parent = parent;
    node->children = 0;
    node->text = (char *) "";
    node->text_len = 0;

    if (parent >= 0) {
        c->x->nodes[parent].children++;
    }

    if (c->p < c->end && *c->p == '/') {
        if (c->p + 1 < c->end && c->p[1] == '>') {
            c->p += 2;
            return 0;
        }

        c->err = "invalid XML empty element";
        return -1;
    }

    if (c->p >= c->end || *c->p != '>') {
        c->err = "XML attributes are not accepted";
        return -1;
    }

    c->p++;
    text = c->p;
    wp = text;
    nonspace = 0;

    for ( ;; ) {

        if (c->p >= c->end) {
            c->err = "unclosed XML element";
            return -1;
        }

        ch = (unsigned char) *c->p;

        if (ch == '<') {

            if (lsn_xml_starts(c, "<![CDATA[")) {
                if (node->children) {
                    c->err = "XML mixed content is not accepted";
                    return -1;
                }

                for (c->p += 9; ; c->p++) {
                    if (c->p + 2 >= c->end) {
                        c->err = "unclosed CDATA section";
                        return -1;
                    }

                    if (c->p[0] == ']' && c->p[1] == ']' && c->p[2] == '>') {
                        break;
                    }

                    ch = (unsigned char) *c->p;
                    if (ch < 0x20 && !lsn_xml_space(ch)) {
                        c->err = "control character in XML text";
                        return -1;
                    }

                    *wp++ = *c->p;
                    nonspace = 1;
                }

                c->p += 3;
                continue;
            }

            if (lsn_xml_starts(c, "</")) {
                c->p += 2;

                if (lsn_xml_name(c, &close, &close_len) != 0) {
                    return -1;
                }

                if (close_len != name_len
                    || memcmp(close, name, name_len) != 0)
                {
                    c->err = "mismatched XML end tag";
                    return -1;
                }

                while (c->p < c->end && lsn_xml_space((unsigned char) *c->p))
                {
                    c->p++;
                }

                if (c->p >= c->end || *c->p != '>') {
                    c->err = "invalid XML end tag";
                    return -1;
                }

                c->p++;

                if (node->children == 0) {
                    node->text = text;
                    node->text_len = wp - text;
                    *wp = '\0';     /* wp is at most the end tag's '<' */
                }

                return 0;
            }

            /* a child element: this one holds elements only */
            if (nonspace) {
                c->err = "XML mixed content is not accepted";
                return -1;
            }

            if (lsn_xml_element(c, idx, depth + 1) != 0) {
                return -1;
            }

            continue;
        }

        if (ch == '&') {
            if (node->children) {
                c->err = "XML mixed content is not accepted";
                return -1;
            }

            if (lsn_xml_entity(c, &wp) != 0) {
                return -1;
            }

            nonspace = 1;
            continue;
        }

        if (ch < 0x20 && !lsn_xml_space(ch)) {
            c->err = "control character in XML text";
            return -1;
        }

        if (!lsn_xml_space(ch)) {
            if (node->children) {
                c->err = "XML mixed content is not accepted";
                return -1;
            }

            nonspace = 1;
        }

        /* text after a child element (white space) is not kept */
        if (node->children == 0) {
            *wp++ = *c->p;
        }

        c->p++;
    }
}


/* &lt; &gt; &amp; &quot; &apos; &#N; &#xH; -> UTF-8 at *wp */

static int
lsn_xml_entity(lsn_xml_ctx_t *c, char **wp)
{
    int             hex, ch;
    char           *s;
    size_t          n;
    unsigned long   cp;

    static const struct {
        const char  *name;
        char         ch;
    } named[] = {
        { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
        { "&quot;", '"' }, { "&apos;", '\'' }
    };

    for (n = 0; n < sizeof(named) / sizeof(named[0]); n++) {
        if (lsn_xml_starts(c, named[n].name)) {
            c->p += strlen(named[n].name);
            *(*wp)++ = named[n].ch;
            return 0;
        }
    }

    if (!lsn_xml_starts(c, "&#")) {
        c->err = "unknown XML entity";
        return -1;
    }

    s = c->p + 2;
    hex = (s < c->end && *s == 'x');
    if (hex) {
        s++;
    }

    cp = 0;
    n = 0;

    while (s < c->end && *s != ';') {
        ch = (unsigned char) *s;

        if (ch >= '0' && ch <= '9') {
            ch -= '0';

        } else if (hex && ch >= 'a' && ch <= 'f') {
            ch = ch - 'a' + 10;

        } else if (hex && ch >= 'A' && ch <= 'F') {
            ch = ch - 'A' + 10;

        } else {
            c->err = "invalid XML character reference";
            return -1;
        }

        cp = cp * (hex ? 16 : 10) + ch;

        if (++n > 7 || cp > 0x10ffff) {
            c->err = "invalid XML character reference";
            return -1;
        }

        s++;
    }

    if (s >= c->end || n == 0
        || (cp < 0x20 && !lsn_xml_space((int) cp))
        || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
    {
        c->err = "invalid XML character reference";
        return -1;
    }

    c->p = s + 1;

    /* never longer than the reference itself ("&#N;" is 4 bytes) */
    *wp += lsn_utf8_put(*wp, cp);

    return 0;
}


static size_t
lsn_utf8_put(char *dst, unsigned long cp)
{
    unsigned char  *d = (unsigned char *) dst;

    if (cp < 0x80) {
        d[0] = (unsigned char) cp;
        return 1;
    }

    if (cp < 0x800) {
        d[0] = (unsigned char) (0xc0 | (cp >> 6));
        d[1] = (unsigned char) (0x80 | (cp & 0x3f));
        return 2;
    }

    if (cp < 0x10000) {
        d[0] = (unsigned char) (0xe0 | (cp >> 12));
        d[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
        d[2] = (unsigned char) (0x80 | (cp & 0x3f));
        return 3;
    }

    d[0] = (unsigned char) (0xf0 | (cp >> 18));
    d[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3f));
    d[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
    d[3] = (unsigned char) (0x80 | (cp & 0x3f));
    return 4;
}


int
lsn_xml_child(const lsn_xml_t *x, int parent, const char *name, int after)
{
    int     i;
    size_t  n;

    n = strlen(name);

    for (i = (after < 0 ? parent : after) + 1; i < x->n; i++) {
        if (x->nodes[i].parent == parent && x->nodes[i].name_len == n
            && memcmp(x->nodes[i].name, name, n) == 0)
        {
            return i;
        }
    }

    return -1;
}


/* The message */

static int
lsn_wxpush_field(const lsn_xml_t *x, int i, lsn_wxpush_str_t *s)
{
    if (s->p != NULL || x->nodes[i].children) {
        return -1;
    }

    s->p = x->nodes[i].text;
    s->len = x->nodes[i].text_len;

    return 0;
}


static int
lsn_wxpush_list(const lsn_xml_t *x, int list, lsn_wxpush_msg_t *m)
{
    int                 i;
    size_t              k;
    lsn_wxpush_item_t  *it;

    static const struct {
        const char  *name;
        size_t       off;
    } fields[] = {
        { "TemplateId", offsetof(lsn_wxpush_item_t, template_id) },
        { "SubscribeStatusString", offsetof(lsn_wxpush_item_t, status) },
        { "ErrorCode", offsetof(lsn_wxpush_item_t, error_code) },
        { "ErrorStatus", offsetof(lsn_wxpush_item_t, error_status) },
        { "MsgID", offsetof(lsn_wxpush_item_t, msg_id) }
    };

    if (m->nitems >= LSN_WXPUSH_MAX_ITEMS) {
        return -1;
    }

    it = &m->items[m->nitems++];
    memset(it, 0, sizeof(lsn_wxpush_item_t));

    for (i = list + 1; i < x->n; i++) {
        if (x->nodes[i].parent != list) {
            continue;
        }

        for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
            if (x->nodes[i].name_len == strlen(fields[k].name)
                && memcmp(x->nodes[i].name, fields[k].name,
                          x->nodes[i].name_len) == 0)
            {
                if (lsn_wxpush_field(x, i, (lsn_wxpush_str_t *)
                                     ((char *) it + fields[k].off))
                    != 0)
                {
                    return -1;
                }
            }
        }
    }

    return 0;
}


int
lsn_wxpush_from_xml(const lsn_xml_t *x, lsn_wxpush_msg_t *m,
    const char **err)
{
    int     i, j, lists;
    size_t  k;

    static const struct {
        const char  *name;
        size_t       off;
    } fields[] = {
        { "ToUserName", offsetof(lsn_wxpush_msg_t, to) },
        { "FromUserName", offsetof(lsn_wxpush_msg_t, from) },
        { "CreateTime", offsetof(lsn_wxpush_msg_t, create_time) },
        { "MsgType", offsetof(lsn_wxpush_msg_t, msg_type) },
        { "Event", offsetof(lsn_wxpush_msg_t, event) },
        { "Content", offsetof(lsn_wxpush_msg_t, content) },
        { "MsgId", offsetof(lsn_wxpush_msg_t, msg_id) },
        { "Encrypt", offsetof(lsn_wxpush_msg_t, encrypt) }
    };

    memset(m, 0, sizeof(lsn_wxpush_msg_t));

    if (x->n == 0 || x->nodes[0].name_len != 3
        || memcmp(x->nodes[0].name, "xml", 3) != 0)
    {
        *err = "the XML root element must be <xml>";
        return -1;
    }

    lists = 0;

    for (i = 1; i < x->n; i++) {
        if (x->nodes[i].parent != 0) {
            continue;
        }

        for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
            if (x->nodes[i].name_len == strlen(fields[k].name)
                && memcmp(x->nodes[i].name, fields[k].name,
                          x->nodes[i].name_len) == 0)
            {
                if (lsn_wxpush_field(x, i, (lsn_wxpush_str_t *)
                                     ((char *) m + fields[k].off))
                    != 0)
                {
                    *err = "a message field is repeated or not text";
                    return -1;
                }

                break;
            }
        }

        if (k < sizeof(fields) / sizeof(fields[0])) {
            continue;
        }

        /* <List> under the root, or under one event element */

        if (x->nodes[i].name_len == 4
            && memcmp(x->nodes[i].name, "List", 4) == 0)
        {
            if (lsn_wxpush_list(x, i, m) != 0) {
                *err = "invalid or too many List items";
                return -1;
            }

            lists = 1;
            continue;
        }

        j = lsn_xml_child(x, i, "List", -1);
        if (j < 0) {
            continue;
        }

        if (lists) {
            *err = "List items in more than one element";
            return -1;
        }

        lists = 1;

        for ( /* void */ ; j >= 0; j = lsn_xml_child(x, i, "List", j)) {
            if (lsn_wxpush_list(x, j, m) != 0) {
                *err = "invalid or too many List items";
                return -1;
            }
        }
    }

    return 0;
}


int
lsn_wxpush_is(const lsn_wxpush_str_t *s, const char *lit)
{
    size_t  n;

    n = strlen(lit);

    return s->p != NULL && s->len == n && memcmp(s->p, lit, n) == 0;
}


static int
lsn_wxpush_id(const lsn_wxpush_str_t *s)
{
    size_t  i;
    int     ch;

    if (s->p == NULL || s->len == 0 || s->len > LSN_WXPUSH_ID_MAX) {
        return 0;
    }

    for (i = 0; i < s->len; i++) {
        ch = (unsigned char) s->p[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
              || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
        {
            return 0;
        }
    }

    return 1;
}


static int
lsn_wxpush_word(const lsn_wxpush_str_t *s, size_t max)
{
    size_t  i;
    int     ch;

    if (s->p == NULL || s->len == 0 || s->len > max) {
        return 0;
    }

    for (i = 0; i < s->len; i++) {
        ch = (unsigned char) s->p[i];

        if (!((ch >= 'a' && ch <= 'z') || ch == '_')) {
            return 0;
        }
    }

    return 1;
}


static int
lsn_wxpush_digits(const lsn_wxpush_str_t *s, size_t max)
{
    size_t  i;

    if (s->p == NULL || s->len == 0 || s->len > max) {
        return 0;
    }

    for (i = 0; i < s->len; i++) {
        if (s->p[i] < '0' || s->p[i] > '9') {
            return 0;
        }
    }

    return 1;
}


int
lsn_wxpush_check(lsn_wxpush_msg_t *m, const char **err)
{
    size_t  i;

    if (!lsn_wxpush_id(&m->from)) {
        *err = "FromUserName is missing or not an openid";
        return -1;
    }

    if (!lsn_wxpush_digits(&m->create_time, 10)) {
        *err = "CreateTime is missing or not a number";
        return -1;
    }

    m->created = 0;
    for (i = 0; i < m->create_time.len; i++) {
        m->created = m->created * 10 + (m->create_time.p[i] - '0');
    }

    if (!lsn_wxpush_word(&m->msg_type, 32)) {
        *err = "MsgType is missing or invalid";
        return -1;
    }

    if (m->event.p != NULL || lsn_wxpush_is(&m->msg_type, "event")) {
        if (!lsn_wxpush_word(&m->event, 64)) {
            *err = "Event is missing or invalid";
            return -1;
        }
    }

    if (m->msg_id.p != NULL && !lsn_wxpush_digits(&m->msg_id, 32)) {
        *err = "MsgId is not a number";
        return -1;
    }

    for (i = 0; i < m->nitems; i++) {
        if (!lsn_wxpush_id(&m->items[i].template_id)
            || (m->items[i].status.p != NULL && m->items[i].status.len > 32)
            || (m->items[i].error_code.p != NULL
                && m->items[i].error_code.len > 16))
        {
            *err = "a List item has no valid TemplateId";
            return -1;
        }
    }

    return 0;
}
