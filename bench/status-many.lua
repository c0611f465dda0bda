-- Liaison bench: GET /api/v1/tickets/{no}?query_code= of many tickets in
-- turn, as litigants checking their own tickets would (the "status" run
-- reads one ticket only).  The file named by LIAISON_TICKETS holds
-- "TICKET_NO QUERY_CODE" lines; each thread starts at its own place in it.
--
--   LIAISON_TICKETS=FILE wrk -t2 -c64 -d10s -s bench/status-many.lua \
--       http://127.0.0.1:PORT/

local paths = {}
local counter = 0

local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
end

function init(args)
    local file = os.getenv("LIAISON_TICKETS")
    for line in io.lines(file) do
        local no, code = line:match("^(%d+)%s+(%w+)$")
        if no then
            paths[#paths + 1] = wrk.format("GET", "/api/v1/tickets/" .. no
                                           .. "?query_code=" .. code)
        end
    end
    assert(#paths > 0, "no ticket in " .. tostring(file))
    counter = (tid or 0) * 7919
end

function request()
    counter = counter + 1
    return paths[counter % #paths + 1]
end
