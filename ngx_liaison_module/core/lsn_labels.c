/*
 * Liaison: what people read for the API's codes (lsn_labels.h).  One
 * name per concept: the founding document's words where it has them
 * (案件查询, 诉讼咨询, 开具诉讼文书, 材料收转, 意见建议; 接单, 排查,
 * 研判, 处置, 反馈).
 */

#include <string.h>
#include "lsn_labels.h"


const char *lsn_label_kinds[] = {
    "status", "track", "category", "channel", "role", "event",
    "risk_stage", "risk_level", "escalation", "ladder", "purpose", "actor",
    NULL
};


static const lsn_label_t  lsn_status_labels[] = {
    { "registered", "已登记" }, { "answered", "已答复" },
    { "dispatched", "已派单" }, { "accepted", "已受理" },
    { "replied", "已回复" }, { "closed", "已办结" },
    { "reopened", "已重启" },
    { NULL, NULL }
};

static const lsn_label_t  lsn_track_labels[] = {
    { "simple", "简易" }, { "ordinary", "普通工单" },
    { NULL, NULL }
};

static const lsn_label_t  lsn_category_labels[] = {
    { "case_query", "案件查询" }, { "consultation", "诉讼咨询" },
    { "document", "开具诉讼文书" }, { "material", "材料收转" },
    { "suggestion", "意见建议" }, { "contact_judge", "联系法官" },
    { "complaint", "投诉" }, { "president_mailbox", "院长信箱" },
    { "petition", "网上信访" }, { "report", "举报" }, { "other", "其他" },
    { NULL, NULL }
};

static const lsn_label_t  lsn_channel_labels[] = {
    { "wechat", "微信小程序" }, { "web", "网站" },
    { "kiosk", "诉讼服务一体机" }, { "hall", "诉讼服务大厅" },
    { "hotline", "12368 热线" },
    { NULL, NULL }
};

static const lsn_label_t  lsn_role_labels[] = {
    { "platform_staff", "平台工作人员" }, { "judge", "承办法官" },
    { "dept_staff", "部门承办人" }, { "liaison", "联络员" },
    { "dept_leader", "部门负责人" }, { "vice_president", "分管院领导" },
    { "president", "院长" }, { "filing_admin", "立案庭" },
    { "sys_admin", "系统管理员" }, { "discipline", "纪检监察" },
    { NULL, NULL }
};

static const lsn_label_t  lsn_event_labels[] = {
    { "registered", "登记" }, { "triaged", "分流" },
    { "answered", "答复" }, { "dispatched", "派单" },
    { "accepted", "受理" }, { "returned", "退回" },
    { "replied", "回复" }, { "closed", "办结" },
    { "transferred", "转办" }, { "note", "内部备注" },
    { "reopened", "重启" }, { "risk_raised", "风险预警" },
    { "referred", "移送纪检" }, { "message", "当事人补充" },
    { "feedback", "满意度评价" }, { "attachment", "上传附件" },
    { "supervised", "列入督办" }, { "case_linked", "关联案件" },
    { "risk_signal", "风险信号" }, { "referral_concluded", "纪检办结" },
    { "escalation_warning", "到期预警" },
    { "escalation_reminder", "半日提醒" },
    { "escalation_leader", "部门领导督办" },
    { "escalation_vp", "分管院领导督办" },
    { "escalation_president", "院主要领导督办" },
    { NULL, NULL }
};

static const lsn_label_t  lsn_risk_stage_labels[] = {
    { "received", "接单" }, { "investigated", "排查" },
    { "assessed", "研判" }, { "handled", "处置" },
    { "fed_back", "反馈" },
    { NULL, NULL }
};

static const lsn_label_t  lsn_risk_level_labels[] = {
    { "low", "一般" }, { "medium", "较大" }, { "high", "重大" },
    { "urgent", "紧急" },
    { NULL, NULL }
};

static const lsn_label_t  lsn_escalation_labels[] = {
    { "1", "已报部门领导" }, { "2", "已报分管院领导" },
    { "3", "已报院主要领导" },
    { NULL, NULL }
};

static const lsn_label_t  lsn_ladder_labels[] = {
    { "0", "到期预警" }, { "1", "半日提醒" }, { "2", "部门领导督办" },
    { "3", "分管院领导督办" }, { "4", "院主要领导督办" },
    { NULL, NULL }
};

static const lsn_label_t  lsn_purpose_labels[] = {
    { "request", "诉求材料" }, { "follow_up", "补充材料" },
    { "reply", "答复材料" }, { "material", "办理材料" },
    { NULL, NULL }
};

static const lsn_label_t  lsn_actor_labels[] = {
    { "staff", "工作人员" }, { "litigant", "当事人" },
    { "public", "当事人" }, { "system", "系统" },
    { NULL, NULL }
};


static const lsn_label_t  *lsn_label_tables[LSN_LABEL_COUNT] = {
    lsn_status_labels, lsn_track_labels, lsn_category_labels,
    lsn_channel_labels, lsn_role_labels, lsn_event_labels,
    lsn_risk_stage_labels, lsn_risk_level_labels, lsn_escalation_labels,
    lsn_ladder_labels, lsn_purpose_labels, lsn_actor_labels
};


const lsn_label_t *
lsn_labels(lsn_label_kind_e kind)
{
    static const lsn_label_t  none[] = { { NULL, NULL } };

    if ((unsigned) kind >= LSN_LABEL_COUNT) {
        return none;
    }

    return lsn_label_tables[kind];
}


const char *
lsn_label(lsn_label_kind_e kind, const char *code, size_t len)
{
    const lsn_label_t  *l;

    if (code == NULL) {
        return NULL;
    }

    for (l = lsn_labels(kind); l->code; l++) {
        if (strlen(l->code) == len && memcmp(l->code, code, len) == 0) {
            return l->label;
        }
    }

    return NULL;
}


const char *
lsn_label_or_code(lsn_label_kind_e kind, const char *code)
{
    const char  *s;

    if (code == NULL) {
        return "";
    }

    s = lsn_label(kind, code, strlen(code));

    return s ? s : code;
}
