-- Liaison bench: POST /api/v1/tickets on the full category mix (issue 15).
--
--   wrk -t2 -c64 -d10s -s bench/intake-mix.lua http://127.0.0.1:PORT -- CASES
--
-- Every category the module accepts, in rotation (the eight of the API
-- contract and the three routed straight to an office); the public
-- channels (web, kiosk, wechat without a token) in rotation; every second
-- request, and every contact_judge, names a case drawn from the CASES
-- (default 3000) the bench put into `cases` ("（2026）粤0115民初N号",
-- N = 1..CASES), so the intake's case lookup finds it.  Complaints always
-- carry a contact (name and mobile drawn from pools, so some complaints
-- about one matter meet); others now and then.  The content is a topic
-- of the category, some of them risk signals (A10) or questions a canned
-- answer fits (A4), with a marker that changes on every request.
--
-- The marker is "（压测 THREAD-COUNTER）": bench/run.sh finds it in the
-- statements it captures for the sysbench replay (bench/intake-replay.lua).

local categories = {
    { "material", {
        "我要提交补充证据材料，怎么递交？",
        "答辩状已经写好了，请问交到哪个窗口？",
        "邮寄的材料不知道法官收到没有。" } },
    { "case_query", {
        "我的案件现在到哪一步了？",
        "立案后多久能排期开庭？",
        "案件什么时候能出判决结果？" } },
    { "consultation", {
        "诉讼费怎么交？",
        "如何申请诉前调解？",
        "离婚纠纷需要准备哪些材料，我们有一套房子和两个孩子。" } },
    { "document", {
        "判决书什么时候送达？",
        "我需要调取庭审笔录复印件。",
        "裁定书上的名字写错了，怎么更正？" } },
    { "contact_judge", {
        "我想联系承办法官，电话一直打不通。",
        "请转告法官我下周出差，能否改期开庭？",
        "有新的证据想当面交给法官。" } },
    { "complaint", {
        "承办法官一直不回电话，我要投诉。",
        "立案窗口工作人员态度很差，投诉。",
        "案件超期半年没有结果，再拖我就找媒体曝光。" } },
    { "suggestion", {
        "建议诉讼服务大厅延长中午的办公时间。",
        "一体机的查询界面字太小，老人看不清。",
        "建议网站增加案件进度的短信提醒。" } },
    { "other", {
        "法院停车场周末开放吗？",
        "我想了解一下法律援助的申请条件。",
        "上次来大厅把身份证复印件落下了。" } },
    { "president_mailbox", {
        "院长您好，反映一下执行局的工作作风问题。",
        "希望院长关注我们小区的系列案件。" } },
    { "petition", {
        "对二审判决不服，申请再审该走什么程序？",
        "我们十几户业主的案子一直没有执行，要集体上访。" } },
    { "report", {
        "举报某执行干警收受当事人财物。",
        "举报有人冒充法院工作人员收费。" } },
}

local channels = { "web", "kiosk", "wechat" }
local names = { "张三", "李四", "王五", "赵六", "陈静", "刘洋", "黄磊", "周敏" }
local headers = { ["Content-Type"] = "application/json" }
local cases = 3000
local counter = 0

local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
end

function init(args)
    cases = tonumber(args[1] or "") or cases
    math.randomseed((tid or 0) * 7919 + 17)
end

function request()
    local cat, topics, body, case_no, contact

    counter = counter + 1
    cat = categories[counter % #categories + 1]
    topics = cat[2]

    -- 11 categories: the parity of the counter meets every category
    if counter % 2 == 0 or cat[1] == "contact_judge" then
        case_no = string.format('"（2026）粤0115民初%d号"',
                                math.random(1, cases))
    else
        case_no = "null"
    end

    if cat[1] == "complaint" or counter % 3 == 0 then
        contact = string.format('{"name":"%s","phone":"1%d%09d"}',
                                names[math.random(#names)],
                                math.random(3, 9), math.random(0, 4999))
    else
        contact = "null"
    end

    body = string.format(
        '{"channel":"%s","category":"%s","case_no":%s,' ..
        '"content":"%s（压测 %d-%d）","contact":%s}',
        channels[counter % #channels + 1], cat[1], case_no,
        topics[math.floor(counter / #categories) % #topics + 1],
        tid or 0, counter, contact)

    return wrk.format("POST", "/api/v1/tickets", headers, body)
end
