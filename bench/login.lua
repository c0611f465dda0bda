-- Liaison bench: POST /api/v1/wx/login with a fresh wx.login code each time
-- (codes are single use); the module calls jscode2session on the WeChat mock
-- through its internal location (a subrequest), then writes the litigant
-- and the session.
--
--   wrk -t2 -c64 -d10s -s bench/login.lua http://127.0.0.1:PORT

local headers = { ["Content-Type"] = "application/json" }
local counter = 0
local threads = 0
-- warm-up and measured runs are separate wrk processes: a salt per run
math.randomseed(os.time())
local salt = math.random(1, 1000000000)

function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
    thread:set("salt", salt)
end

function request()
    counter = counter + 1
    -- 1000 litigants, each logging in again and again
    local body = string.format('{"code":"c%d-b%d-%d-%d"}', counter % 1000,
                               salt, tid, counter)
    return wrk.format("POST", "/api/v1/wx/login", headers, body)
end
