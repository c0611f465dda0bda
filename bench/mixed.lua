-- Liaison bench: alternates GET of a ticket's status and GET /api/v1/health,
-- each thread stopping after LIMIT responses (the RSS run).
--
--   wrk -s bench/mixed.lua URL -- LIMIT STATUS_PATH
--
-- STATUS_PATH is e.g. /api/v1/tickets/2611270000017?query_code=ABCDEFGHJK.
-- Set -d long enough for the count to be reached; wrk's summary gives the
-- number actually completed.

local reqs
local counter = 0
local seen = 0
local limit = 0

function init(args)
    limit = tonumber(args[1] or "0") or 0
    reqs = {
        wrk.format("GET", args[2] or "/api/v1/health"),
        wrk.format("GET", "/api/v1/health"),
    }
end

function request()
    counter = counter + 1
    return reqs[counter % 2 + 1]
end

function response(status, headers, body)
    seen = seen + 1
    if limit > 0 and seen >= limit then
        wrk.thread:stop()
    end
end
