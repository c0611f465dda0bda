/*
 * Unit tests: lsn_wxpush (the strict XML parser for WeChat's pushed
 * messages, the message fields, the checks).
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lsn_wxpush.h"


#define POPUP                                                               \
    "<xml>\n"                                                               \
    "  <ToUserName><![CDATA[gh_123456789abc]]></ToUserName>\n"              \
    "  <FromUserName><![CDATA[oMock0000000000000000000000001]]>"            \
    "</FromUserName>\n"                                                     \
    "  <CreateTime>1610969440</CreateTime>\n"                               \
    "  <MsgType><![CDATA[event]]></MsgType>\n"                              \
    "  <Event><![CDATA[subscribe_msg_popup_event]]></Event>\n"              \
    "  <SubscribeMsgPopupEvent>\n"                                          \
    "    <List>\n"                                                          \
    "      <TemplateId><![CDATA[TPL_A]]></TemplateId>\n"                    \
    "      <SubscribeStatusString><![CDATA[accept]]>"                       \
    "</SubscribeStatusString>\n"                                            \
    "      <PopupScene>2</PopupScene>\n"                                    \
    "    </List>\n"                                                         \
    "    <List>\n"                                                          \
    "      <TemplateId><![CDATA[TPL_B]]></TemplateId>\n"                    \
    "      <SubscribeStatusString><![CDATA[reject]]>"                       \
    "</SubscribeStatusString>\n"                                            \
    "      <PopupScene>2</PopupScene>\n"                                    \
    "    </List>\n"                                                         \
    "  </SubscribeMsgPopupEvent>\n"                                         \
    "</xml>\n"


static int
parse(const char *text, lsn_xml_t *x, char *buf, size_t cap,
    const char **err)
{
    size_t  n;

    n = strlen(text);
    assert_true(n < cap);
    memcpy(buf, text, n);

    return lsn_xml_parse(buf, n, x, err);
}


static void
test_xml_popup(void **state)
{
    char               buf[2048];
    const char        *err;
    lsn_xml_t          x;
    lsn_wxpush_msg_t   m;

    (void) state;

    assert_int_equal(parse(POPUP, &x, buf, sizeof(buf), &err), 0);
    assert_int_equal(x.n, 15);
    assert_int_equal(lsn_wxpush_from_xml(&x, &m, &err), 0);
    assert_int_equal(lsn_wxpush_check(&m, &err), 0);

    assert_true(lsn_wxpush_is(&m.to, "gh_123456789abc"));
    assert_true(lsn_wxpush_is(&m.from, "oMock0000000000000000000000001"));
    assert_true(lsn_wxpush_is(&m.msg_type, "event"));
    assert_true(lsn_wxpush_is(&m.event, "subscribe_msg_popup_event"));
    assert_true(m.created == 1610969440LL);
    assert_int_equal(m.nitems, 2);
    assert_true(lsn_wxpush_is(&m.items[0].template_id, "TPL_A"));
    assert_true(lsn_wxpush_is(&m.items[0].status, "accept"));
    assert_true(lsn_wxpush_is(&m.items[1].template_id, "TPL_B"));
    assert_true(lsn_wxpush_is(&m.items[1].status, "reject"));
    assert_null(m.content.p);
    assert_null(m.msg_id.p);
}


static void
test_xml_text(void **state)
{
    char               buf[1024];
    const char        *err;
    lsn_xml_t          x;
    lsn_wxpush_msg_t   m;

    (void) state;

    /* declaration, entities, character references, CDATA with markup */
    assert_int_equal(parse("\xef\xbb\xbf<?xml version=\"1.0\"?>\n"
        "<xml><ToUserName>gh_1</ToUserName>"
        "<FromUserName>oABC_-1</FromUserName>"
        "<CreateTime>1714036504</CreateTime><MsgType>text</MsgType>"
        "<Content>a &lt;b&gt; &amp; &quot;c&apos; &#20320;&#x597D;"
        "<![CDATA[<x>&amp;]]></Content><MsgId>23456789012345678</MsgId>"
        "<Unknown><Deep>1</Deep></Unknown>"
        "</xml>", &x, buf, sizeof(buf), &err), 0);
    assert_int_equal(lsn_wxpush_from_xml(&x, &m, &err), 0);
    assert_int_equal(lsn_wxpush_check(&m, &err), 0);

    assert_int_equal(m.content.len, strlen("a <b> & \"c' \xe4\xbd\xa0"
                                           "\xe5\xa5\xbd<x>&amp;"));
    assert_memory_equal(m.content.p, "a <b> & \"c' \xe4\xbd\xa0\xe5\xa5\xbd"
                        "<x>&amp;", m.content.len);
    assert_int_equal(m.content.p[m.content.len], '\0');
    assert_true(lsn_wxpush_is(&m.msg_id, "23456789012345678"));
    assert_int_equal(m.nitems, 0);

    /* an empty element and white space in end tags */
    assert_int_equal(parse("<xml><Content/><MsgType >text</MsgType >"
                           "</xml >", &x, buf, sizeof(buf), &err), 0);
    assert_int_equal(lsn_wxpush_from_xml(&x, &m, &err), 0);
    assert_int_equal(m.content.len, 0);
    assert_non_null(m.content.p);

    /* the safe-mode envelope */
    assert_int_equal(parse("<xml><ToUserName><![CDATA[gh_1]]></ToUserName>"
                           "<Encrypt><![CDATA[abc+/=]]></Encrypt></xml>",
                           &x, buf, sizeof(buf), &err), 0);
    assert_int_equal(lsn_wxpush_from_xml(&x, &m, &err), 0);
    assert_true(lsn_wxpush_is(&m.encrypt, "abc+/="));
    assert_int_equal(lsn_wxpush_check(&m, &err), -1);
}


static void
test_xml_refused(void **state)
{
    size_t       i;
    char         buf[1024];
    const char  *err;
    lsn_xml_t    x;

    static const char  *bad[] = {
        "",
        "   ",
        "text",
        "<xml>",
        "<xml></xmL>",
        "<xml><a></b></xml>",
        "<xml a=\"1\"></xml>",
        "<xml><!-- c --></xml>",
        "<!DOCTYPE xml [<!ENTITY e \"x\">]><xml>&e;</xml>",
        "<xml>&e;</xml>",
        "<xml>&#0;</xml>",
        "<xml>&#xd800;</xml>",
        "<xml>&#x110000;</xml>",
        "<xml>&#;</xml>",
        "<xml>&amp</xml>",
        "<xml>\x01</xml>",
        "<xml><![CDATA[\x02]]></xml>",
        "<xml><![CDATA[open</xml>",
        "<xml>text<a>1</a></xml>",
        "<xml><a>1</a>text</xml>",
        "<xml><a>1</a><![CDATA[x]]></xml>",
        "<xml></xml><xml></xml>",
        "<xml></xml>trailing",
        "<xml><?pi x?></xml>",
        "<?xml?><xml></xml>",
        "<?xml version=\"1.0\"<xml></xml>",
        "<1xml></1xml>",
        "<xml/ >",
        "<xml><a><b><c><d><e><f>deep</f></e></d></c></b></a></xml>",
    };

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = NULL;
        if (parse(bad[i], &x, buf, sizeof(buf), &err) != -1) {
            fail_msg("accepted: %s", bad[i]);
        }

        assert_non_null(err);
    }
}


static void
test_xml_limits(void **state)
{
    int          i;
    char         buf[8192], *p;
    const char  *err;
    lsn_xml_t    x;

    (void) state;

    /* 63 children and the root fit, 64 do not */
    p = buf + sprintf(buf, "<xml>");
    for (i = 0; i < LSN_XML_MAX_NODES - 1; i++) {
        p += sprintf(p, "<a>%d</a>", i);
    }
    sprintf(p, "</xml>");
    assert_int_equal(lsn_xml_parse(buf, strlen(buf), &x, &err), 0);
    assert_int_equal(x.n, LSN_XML_MAX_NODES);

    p = buf + sprintf(buf, "<xml>");
    for (i = 0; i < LSN_XML_MAX_NODES; i++) {
        p += sprintf(p, "<a>%d</a>", i);
    }
    sprintf(p, "</xml>");
    assert_int_equal(lsn_xml_parse(buf, strlen(buf), &x, &err), -1);

    /* lsn_xml_child walks siblings in order */
    assert_int_equal(lsn_xml_parse(buf, sprintf(buf,
                         "<xml><a>1</a><b><a>x</a></b><a>2</a></xml>"),
                     &x, &err), 0);
    i = lsn_xml_child(&x, 0, "a", -1);
    assert_string_equal(x.nodes[i].text, "1");
    i = lsn_xml_child(&x, 0, "a", i);
    assert_string_equal(x.nodes[i].text, "2");
    assert_int_equal(lsn_xml_child(&x, 0, "a", i), -1);
}


static void
test_message_checks(void **state)
{
    char               buf[1024];
    const char        *err;
    lsn_xml_t          x;
    lsn_wxpush_msg_t   m;

    (void) state;

#define MSG(fields)  "<xml>" fields "</xml>"
#define OK_FIELDS    "<FromUserName>oX</FromUserName>" \
                     "<CreateTime>1</CreateTime>"

    assert_int_equal(parse(MSG(OK_FIELDS "<MsgType>text</MsgType>"),
                           &x, buf, sizeof(buf), &err), 0);
    assert_int_equal(lsn_wxpush_from_xml(&x, &m, &err), 0);
    assert_int_equal(lsn_wxpush_check(&m, &err), 0);

    /* a repeated field */
    assert_int_equal(parse(MSG(OK_FIELDS "<MsgType>text</MsgType>"
                               "<MsgType>event</MsgType>"),
                           &x, buf, sizeof(buf), &err), 0);
    assert_int_equal(lsn_wxpush_from_xml(&x, &m, &err), -1);

    /* not <xml> */
    assert_int_equal(parse("<msg><MsgType>text</MsgType></msg>",
                           &x, buf, sizeof(buf), &err), 0);
    assert_int_equal(lsn_wxpush_from_xml(&x, &m, &err), -1);

    /* field checks */
    assert_int_equal(parse(MSG("<FromUserName>o X</FromUserName>"
                               "<CreateTime>1</CreateTime>"
                               "<MsgType>text</MsgType>"),
                           &x, buf, sizeof(buf), &err), 0);
    assert_int_equal(lsn_wxpush_from_xml(&x, &m, &err), 0);
    assert_int_equal(lsn_wxpush_check(&m, &err), -1);

    assert_int_equal(parse(MSG("<FromUserName>oX</FromUserName>"
                               "<CreateTime>1x</CreateTime>"
                               "<MsgType>text</MsgType>"),
                           &x, buf, sizeof(buf), &err), 0);
    assert_int_equal(lsn_wxpush_from_xml(&x, &m, &err), 0);
    assert_int_equal(lsn_wxpush_check(&m, &err), -1);

    assert_int_equal(parse(MSG("<FromUserName>oX</FromUserName>"
                               "<CreateTime>17140365040</CreateTime>"
                               "<MsgType>text</MsgType>"),
                           &x, buf, sizeof(buf), &err), 0);
    assert_int_equal(lsn_wxpush_from_xml(&x, &m, &err), 0);
    assert_int_equal(lsn_wxpush_check(&m, &err), -1);

    assert_int_equal(parse(MSG(OK_FIELDS "<MsgType>event</MsgType>"),
                           &x, buf, sizeof(buf), &err), 0);
    assert_int_equal(lsn_wxpush_from_xml(&x, &m, &err), 0);
    assert_int_equal(lsn_wxpush_check(&m, &err), -1);

    assert_int_equal(parse(MSG(OK_FIELDS "<MsgType>Text</MsgType>"),
                           &x, buf, sizeof(buf), &err), 0);
    assert_int_equal(lsn_wxpush_from_xml(&x, &m, &err), 0);
    assert_int_equal(lsn_wxpush_check(&m, &err), -1);

    assert_int_equal(parse(MSG(OK_FIELDS "<MsgType>text</MsgType>"
                               "<MsgId>-1</MsgId>"),
                           &x, buf, sizeof(buf), &err), 0);
    assert_int_equal(lsn_wxpush_from_xml(&x, &m, &err), 0);
    assert_int_equal(lsn_wxpush_check(&m, &err), -1);

    /* List items directly under the root; a TemplateId is required */
    assert_int_equal(parse(MSG(OK_FIELDS "<MsgType>event</MsgType>"
                               "<Event>subscribe_msg_change_event</Event>"
                               "<List><TemplateId>T1</TemplateId>"
                               "<SubscribeStatusString>reject"
                               "</SubscribeStatusString></List>"),
                           &x, buf, sizeof(buf), &err), 0);
    assert_int_equal(lsn_wxpush_from_xml(&x, &m, &err), 0);
    assert_int_equal(lsn_wxpush_check(&m, &err), 0);
    assert_int_equal(m.nitems, 1);

    assert_int_equal(parse(MSG(OK_FIELDS "<MsgType>event</MsgType>"
                               "<Event>subscribe_msg_sent_event</Event>"
                               "<SubscribeMsgSentEvent><List>"
                               "<ErrorCode>10004</ErrorCode></List>"
                               "</SubscribeMsgSentEvent>"),
                           &x, buf, sizeof(buf), &err), 0);
    assert_int_equal(lsn_wxpush_from_xml(&x, &m, &err), 0);
    assert_true(lsn_wxpush_is(&m.items[0].error_code, "10004"));
    assert_int_equal(lsn_wxpush_check(&m, &err), -1);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_popup),
        cmocka_unit_test(test_xml_text),
        cmocka_unit_test(test_xml_refused),
        cmocka_unit_test(test_xml_limits),
        cmocka_unit_test(test_message_checks),
    };

    return cmocka_run_group_tests_name("wxpush", tests, NULL, NULL);
}
