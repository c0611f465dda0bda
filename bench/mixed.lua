-- Liaison bench: alternates GET of one ticket's status and GET
-- /api/v1/health on every connection (the RSS run).
--
--   wrk -t2 -c64 -d60s -s bench/mixed.lua http://127.0.0.1:PORT -- STATUS_PATH
--
-- STATUS_PATH: e.g. /api/v1/tickets/2611270000013?query_code=YQHGCW2KQN

local reqs
local counter = 0

function init(args)
    reqs = {
        wrk.format("GET", args[1] or "/api/v1/health"),
        wrk.format("GET", "/api/v1/health"),
    }
end

function request()
    counter = counter + 1
    return reqs[counter % 2 + 1]
end
