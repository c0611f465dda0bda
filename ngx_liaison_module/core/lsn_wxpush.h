/*
 * Liaison: the messages WeChat pushes to the mini-program's server
 * (GET|POST /api/v1/wx/push).
 *
 * lsn_xml_parse() is a small strict parser for the one XML shape WeChat
 * sends: a root element whose children are elements holding text (plain
 * or CDATA) or further elements (the List items of the subscribe-message
 * events).  It refuses everything else: attributes, comments, processing
 * instructions but a leading <?xml ...?>, DOCTYPE (so no entity
 * expansion), mixed content, entities but the five predefined ones and
 * character references, control characters, a second root.  Text is
 * decoded in place in the caller's buffer and NUL-terminated.
 *
 * lsn_wxpush_from_xml() reads the message fields out of the tree; the
 * module fills the same lsn_wxpush_msg_t from the JSON format, and
 * lsn_wxpush_check() validates either.
 */

#ifndef _LSN_WXPUSH_H_INCLUDED_
#define _LSN_WXPUSH_H_INCLUDED_


#include <stddef.h>


#define LSN_XML_MAX_NODES     64
#define LSN_XML_MAX_DEPTH     6
#define LSN_XML_MAX_NAME      64

#define LSN_WXPUSH_MAX_ITEMS  16
#define LSN_WXPUSH_ID_MAX     64     /* openids, template ids */


typedef struct {
    const char        *name;       /* into the buffer, not NUL-ended */
    size_t             name_len;
    char              *text;       /* decoded, NUL-ended; "" for parents */
    size_t             text_len;
    int                parent;     /* index, -1 for the root */
    int                children;
} lsn_xml_node_t;


typedef struct {
    lsn_xml_node_t     nodes[LSN_XML_MAX_NODES];
    int                n;          /* nodes[0] is the root */
} lsn_xml_t;


typedef struct {
    const char        *p;          /* NULL: absent */
    size_t             len;
} lsn_wxpush_str_t;


/* One List item of subscribe_msg_popup/change/sent_event. */
typedef struct {
    lsn_wxpush_str_t   template_id;
    lsn_wxpush_str_t   status;         /* SubscribeStatusString */
    lsn_wxpush_str_t   error_code;     /* ErrorCode (sent event) */
    lsn_wxpush_str_t   error_status;   /* ErrorStatus */
    lsn_wxpush_str_t   msg_id;         /* MsgID */
} lsn_wxpush_item_t;


typedef struct {
    lsn_wxpush_str_t   to;             /* ToUserName */
    lsn_wxpush_str_t   from;           /* FromUserName: the openid */
    lsn_wxpush_str_t   create_time;    /* decimal seconds */
    lsn_wxpush_str_t   msg_type;
    lsn_wxpush_str_t   event;
    lsn_wxpush_str_t   content;
    lsn_wxpush_str_t   msg_id;
    lsn_wxpush_str_t   encrypt;        /* safe mode: the envelope */

    lsn_wxpush_item_t  items[LSN_WXPUSH_MAX_ITEMS];
    size_t             nitems;

    long long          created;        /* by lsn_wxpush_check() */
} lsn_wxpush_msg_t;


/*
 * Parses buf (len bytes, modified: text is decoded in place).  Returns 0,
 * or -1 with *err a static reason.
 */
int lsn_xml_parse(char *buf, size_t len, lsn_xml_t *x, const char **err);

/* The first child of parent named name after node index after (-1: from
 * the start), or -1. */
int lsn_xml_child(const lsn_xml_t *x, int parent, const char *name,
    int after);

/*
 * The message of a parsed <xml> document: root <xml>, each known field
 * at most once, List items under the root or under one element of the
 * root (SubscribeMsgPopupEvent etc.).  Unknown elements are ignored.
 * Returns 0, or -1 with *err.
 */
int lsn_wxpush_from_xml(const lsn_xml_t *x, lsn_wxpush_msg_t *m,
    const char **err);

/*
 * What every message needs, whatever its format: FromUserName an id
 * (1..64 of A-Z a-z 0-9 _ -), CreateTime 1..10 digits (into m->created),
 * MsgType 1..32 of a-z _, Event (required for MsgType "event") likewise
 * 1..64, MsgId (when present) 1..32 digits, each item's TemplateId an id
 * and SubscribeStatusString at most 32 bytes.  Encrypt-only envelopes are
 * not messages: check the opened message.  Returns 0, or -1 with *err.
 */
int lsn_wxpush_check(lsn_wxpush_msg_t *m, const char **err);

/* 1 when s (len bytes) equals the NUL-ended lit. */
int lsn_wxpush_is(const lsn_wxpush_str_t *s, const char *lit);


#endif /* _LSN_WXPUSH_H_INCLUDED_ */
