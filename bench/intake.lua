-- Liaison bench: POST /api/v1/tickets with a JSON body (web channel,
-- consultation), as a litigant's browser would send it.  The content
-- changes with every request (topic, thread, counter), so no two tickets
-- are identical.
--
--   wrk -t2 -c64 -d10s -s bench/intake.lua http://127.0.0.1:PORT

local topics = {
    "诉讼费怎么交？",
    "立案需要带哪些材料？",
    "开庭时间在哪里查询？",
    "如何申请诉前调解？",
    "判决书什么时候送达？",
}
local headers = { ["Content-Type"] = "application/json" }
local counter = 0

-- each thread gets its own number (tid), used in the content
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
end

function request()
    counter = counter + 1
    local body = string.format(
        '{"channel":"web","category":"consultation",' ..
        '"content":"%s（压测 %d-%d）",' ..
        '"contact":{"name":"张三","phone":"13800138000"}}',
        topics[counter % #topics + 1], tid or 0, counter)
    return wrk.format("POST", "/api/v1/tickets", headers, body)
end
