-- Liaison bench: POST /api/v1/tickets with a JSON body (web channel,
-- consultation).  The content changes with every request so that no two
-- tickets are identical.
--
--   wrk -s bench/intake.lua URL [-- LIMIT]
--
-- LIMIT (optional): each thread stops after LIMIT responses (used to seed
-- the database with an exact number of tickets); 0 or absent: no limit,
-- and no response() hook, so wrk does not have to hand bodies to Lua.

local topics = {
    "诉讼费怎么交？",
    "立案需要带哪些材料？",
    "开庭时间在哪里查询？",
    "如何申请诉前调解？",
    "判决书什么时候送达？",
}
local headers = { ["Content-Type"] = "application/json" }
local counter = 0
local seen = 0
local limit = 0

local next_tid = 0
function setup(thread)
    next_tid = next_tid + 1
    thread:set("tid", next_tid)
end

function init(args)
    limit = tonumber(args[1] or "0") or 0
    if limit > 0 then
        response = function(status, hdrs, body)
            seen = seen + 1
            if seen >= limit then
                wrk.thread:stop()
            end
        end
    end
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
