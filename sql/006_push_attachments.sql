-- Liaison migration 006 (issue 8): the mini-program's message-push
-- callback (GET|POST /api/v1/wx/push) and attachments.
--
-- As in 001, DATETIME columns hold Beijing civil time written by the
-- program from its own clock, never NOW().

-- Every message WeChat pushed, once: dedup_key is "m:" + MsgId for
-- messages, "e:" + FromUserName + ":" + CreateTime + ":" + Event for
-- events, so WeChat's retries (it sends again when no answer came within
-- 5 s) change nothing.  outcome: consent, ticket, follow_up, ignored.
CREATE TABLE wx_push_messages (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    dedup_key           VARCHAR(200) NOT NULL,
    openid              VARCHAR(64)  NOT NULL,
    msg_type            VARCHAR(32)  NOT NULL,
    event               VARCHAR(64)  NULL,
    create_time         DATETIME     NOT NULL,
    outcome             VARCHAR(16)  NOT NULL,
    ticket_id           BIGINT UNSIGNED NULL,
    received_at         DATETIME     NOT NULL,
    UNIQUE KEY uk_wx_push_messages_dedup (dedup_key),
    KEY k_wx_push_messages_openid (openid, id),
    KEY k_wx_push_messages_received (received_at),
    CONSTRAINT fk_wx_push_messages_ticket FOREIGN KEY (ticket_id)
        REFERENCES tickets (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Consent bookkeeping between the two reports of one popup answer: the
-- mini-program's (POST /cases/{no}/subscriptions) and WeChat's push
-- (subscribe_msg_popup_event, authoritative).  Whichever comes first adds
-- the send (remaining + 1) and a credit on its side; the other one then
-- consumes that credit instead of adding a second send.
-- confirmed_at: the last time WeChat's push said so.
ALTER TABLE subscribe_consents
    ADD COLUMN client_credits   INT UNSIGNED NOT NULL DEFAULT 0,
    ADD COLUMN push_credits     INT UNSIGNED NOT NULL DEFAULT 0,
    ADD COLUMN confirmed_at     DATETIME     NULL;

-- Customer-service messages (the automatic reply to a litigant's text):
-- channel 'wx_custom', payload {"touser", "msgtype": "text",
-- "text": {"content"}}, sent by the worker with
-- cgi-bin/message/custom/send.
ALTER TABLE outbox
    MODIFY COLUMN channel ENUM('wx_subscribe', 'wx_template', 'sms',
                               'wecom', 'wx_sec_check', 'wx_custom')
                  NOT NULL;

-- Photos and PDFs attached to a ticket.  The file lives in
-- liaison_attachment_dir under storage_name (32 random hex digits, never
-- chosen by the client); filename is the client's name, for display only.
-- purpose: request, follow_up (litigants), reply, material (staff).
-- Rows go with their ticket; the files of deleted rows are removed by the
-- worker (worker/lw_attach.c).
CREATE TABLE attachments (
    id                  BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ticket_id           BIGINT UNSIGNED NOT NULL,
    purpose             VARCHAR(16)  NOT NULL,
    uploader_kind       VARCHAR(16)  NOT NULL,
    uploader_id         BIGINT UNSIGNED NOT NULL,
    storage_name        CHAR(32)     NOT NULL,
    filename            VARCHAR(255) NOT NULL,
    content_type        VARCHAR(32)  NOT NULL,
    size                BIGINT UNSIGNED NOT NULL,
    sha256              CHAR(64)     NOT NULL,
    created_at          DATETIME     NOT NULL,
    UNIQUE KEY uk_attachments_storage (storage_name),
    KEY k_attachments_ticket (ticket_id, id),
    CONSTRAINT fk_attachments_ticket FOREIGN KEY (ticket_id)
        REFERENCES tickets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- How many attachments a ticket has: the ticket view lists them only when
-- there are any (one statement less for almost every status read).
ALTER TABLE tickets
    ADD COLUMN attachment_count SMALLINT UNSIGNED NOT NULL DEFAULT 0;
