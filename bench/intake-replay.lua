-- Liaison bench: the database's ceiling for intake (issue 15).
--
--   sysbench bench/intake-replay.lua --threads=64 --time=10 --percentile=99 \
--       --replay_file=FILE --defaults_file=client.cnf --run_id=1 run
--
-- Replays, as SQL alone, the transactions the module sent for real
-- intakes: bench/run.sh captures them with MariaDB's general log while
-- wrk posts a few hundred tickets (FILE: per batch, its length in bytes
-- on a line, then the batch: SET TRANSACTION ISOLATION LEVEL READ
-- COMMITTED; START TRANSACTION; for each intake in it (several when the
-- module grouped them) the Idempotency-Key row, the ticket, its events,
-- the outbox rows, whatever the category made; COMMIT).  Each intake is a
-- template; each sysbench event is one transaction of --group of them, in
-- rotation, with fresh values for what must be unique or differs per
-- request (ticket number, query code, Idempotency-Key, body hash, the
-- content's "（压测 …）" marker; a case number drawn again from the seeded
-- cases, a complaint's mobile from the mix's pool, so that complaints
-- about one matter meet as rarely as in the mix and not every time a
-- captured one comes round), sent as the module sends it: one
-- multi-statement round trip on a connection with the module's session
-- settings, a group's intakes in one compound statement (BEGIN NOT
-- ATOMIC ... END).  A deadlock or lock wait is retried as a whole, as the module
-- does (4 times); what still fails is counted.  The statements the intakes
-- EXECUTE are prepared on each connection first (--prepare_file, the
-- module's PREPAREs captured with them).
--
-- With --statement_file, each event is that one statement instead (the
-- status read bench/run.sh captured): the ceiling of GET /tickets/{no}.
-- A captured "PREPARE ...;EXECUTE ..." is split as the module runs it:
-- the PREPARE once per connection, the EXECUTE as each event.
--
-- libmariadb is reached through LuaJIT's FFI (sysbench links it): the
-- sysbench SQL API sends one statement per round trip, the module does not.

local ffi = require("ffi")

ffi.cdef[[
typedef struct st_mysql MYSQL;
typedef struct st_mysql_res MYSQL_RES;
MYSQL *mysql_init(MYSQL *mysql);
int mysql_options(MYSQL *mysql, int option, const void *arg);
MYSQL *mysql_real_connect(MYSQL *mysql, const char *host, const char *user,
    const char *passwd, const char *db, unsigned int port,
    const char *unix_socket, unsigned long clientflag);
int mysql_real_query(MYSQL *mysql, const char *q, unsigned long length);
MYSQL_RES *mysql_store_result(MYSQL *mysql);
void mysql_free_result(MYSQL_RES *result);
int mysql_next_result(MYSQL *mysql);
unsigned int mysql_errno(MYSQL *mysql);
const char *mysql_error(MYSQL *mysql);
void mysql_close(MYSQL *sock);
]]

local C = ffi.C

local MYSQL_READ_DEFAULT_FILE = 4
local MYSQL_READ_DEFAULT_GROUP = 5
local CLIENT_MULTI_STATEMENTS = 65536
local CLIENT_MULTI_RESULTS = 131072
local RETRIES = 4

-- the session settings of the module's connections (liaison_db init)
local INIT = "SET NAMES utf8mb4 COLLATE utf8mb4_bin, time_zone = '+08:00', "
    .. "sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    .. "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', "
    .. "innodb_lock_wait_timeout = 5, autocommit = 1"

local ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

sysbench.cmdline.options = {
    replay_file = { "captured intake batches (LENGTH\\nBYTES each)", "" },
    defaults_file = { "[client] options file (socket, user, password, "
        .. "database)", "" },
    run_id = { "1..99, makes the fresh values of this run unique", 1 },
    cases = { "case numbers 1..N of the seeded cases", 3000 },
    group = { "intakes per transaction (liaison_db_group_commit)", 1 },
    statement_file = { "instead of intakes, this one statement as each "
        .. "event (the status read)", "" },
    category = { "only the intakes of this category (its own cost)", "" },
    prepare_file = { "the PREPAREs of the statements the intakes EXECUTE "
        .. "(one per line), run on each connection", "" },
}

local con, templates, tid, counter, retries, failures, statement

local function literal(s)
    return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0"))
end

-- the values of one captured batch that a replay must replace
local function template(sql)
    local t = { sql = sql }

    t.key, t.hash = sql:match("EXECUTE lsn_key USING "
                              .. "'[^']*', '([^']*)', '(%x+)'")
    t.no, t.code, t.category = sql:match("EXECUTE lsn_ticket[%w_]* USING "
                                         .. "'(%d+)', '(%w+)', '[%w_]+', "
                                         .. "'([%w_]+)'")
    t.marker = sql:match("（压测 [%d%-]+）")
    t.case = sql:match("粤0115民初%d+号")
    t.phone = sql:match("'p:(1%d+)'")

    if not (t.key and t.no and t.code) then
        return nil
    end

    return t
end

local function query(sql)
    local st

    if C.mysql_real_query(con, sql, #sql) ~= 0 then
        return C.mysql_errno(con)
    end

    repeat
        local res = C.mysql_store_result(con)
        if res ~= nil then
            C.mysql_free_result(res)
        end

        st = C.mysql_next_result(con)
        if st > 0 then
            return C.mysql_errno(con)
        end
    until st ~= 0

    return 0
end

local PREFIX = "SET TRANSACTION ISOLATION LEVEL READ COMMITTED;"
               .. "START TRANSACTION;"
local KEY_ROW = "EXECUTE lsn_key "
local COMPOUND = "BEGIN NOT ATOMIC "

-- the intakes of a captured batch: the statements from each one's key row
-- to the next one's, without the batch's prefix and COMMIT
function bodies(sql)
    local list, from, at = {}, 1, nil

    if sql:sub(1, #PREFIX) == PREFIX then
        sql = sql:sub(#PREFIX + 1)
    end
    sql = sql:gsub(";COMMIT$", "")
    -- a group: its members' statements are one compound statement
    if sql:sub(1, #COMPOUND) == COMPOUND then
        sql = sql:sub(#COMPOUND + 1):gsub(";END$", "")
    end

    while true do
        at = sql:find(";" .. KEY_ROW, from, true)
        if at == nil then
            list[#list + 1] = sql:sub(from)
            return list
        end
        list[#list + 1] = sql:sub(from, at - 1)
        from = at + 1
    end
end

function thread_init(thread_id)
    local f, n, t

    tid = thread_id
    counter = 0
    retries = 0
    failures = 0
    math.randomseed(os.time() + thread_id * 7919)

    con = C.mysql_init(nil)
    C.mysql_options(con, MYSQL_READ_DEFAULT_FILE, sysbench.opt.defaults_file)
    C.mysql_options(con, MYSQL_READ_DEFAULT_GROUP, "client")

    if C.mysql_real_connect(con, nil, nil, nil, nil, 0, nil,
                            CLIENT_MULTI_STATEMENTS + CLIENT_MULTI_RESULTS)
       == nil
    then
        error("connect: " .. ffi.string(C.mysql_error(con)))
    end

    if query(INIT) ~= 0 then
        error("init: " .. ffi.string(C.mysql_error(con)))
    end

    -- as the module's connections: the statements it EXECUTEs prepared
    if sysbench.opt.prepare_file ~= "" then
        for line in io.lines(sysbench.opt.prepare_file) do
            if query(line) ~= 0 then
                error("prepare: " .. ffi.string(C.mysql_error(con)))
            end
        end
    end

    if sysbench.opt.statement_file ~= "" then
        f = assert(io.open(sysbench.opt.statement_file, "r"))
        statement = f:read("*a")
        f:close()
        local at = statement:find(";EXECUTE ", 1, true)
        if at then
            if query(statement:sub(1, at - 1)) ~= 0 then
                error("prepare: " .. ffi.string(C.mysql_error(con)))
            end
            statement = statement:sub(at + 1)
        end
        return
    end

    templates = {}
    f = assert(io.open(sysbench.opt.replay_file, "r"))
    while true do
        n = f:read("*n")
        if n == nil then
            break
        end
        f:read(1)
        -- a batch may be a group of intakes (liaison_db_group_commit):
        -- each intake's statements are a template of their own
        for _, b in ipairs(bodies(f:read(n))) do
            t = template(b)
            if t and (sysbench.opt.category == ""
                      or t.category == sysbench.opt.category)
            then
                templates[#templates + 1] = t
            end
        end
    end
    f:close()

    if #templates == 0 then
        error("no intake transaction in " .. sysbench.opt.replay_file)
    end
end

local function fresh(t)
    local run = tonumber(sysbench.opt.run_id)
    local code = {}
    local i, sql

    counter = counter + 1

    for i = 1, 10 do
        local k = math.random(#ALPHABET)
        code[i] = ALPHABET:sub(k, k)
    end

    -- 13 characters as the module's numbers; theirs start with the year
    sql = t.sql:gsub(t.no, string.format("9%02d%02d%08d", run, tid % 100,
                                         counter))
    sql = sql:gsub(t.code, table.concat(code))
    -- in order, as the module's keys are (the time first)
    sql = sql:gsub(literal(t.key), string.format("srv-%08x%08x%016x",
                                                 run, tid, counter))
    sql = sql:gsub(t.hash, string.format("%08x%08x%016x%032x", run, tid,
                                         counter, math.random(0, 2^30)))

    if t.case then
        sql = sql:gsub(literal(t.case), string.format("粤0115民初%d号",
                       math.random(1, tonumber(sysbench.opt.cases))))
    end

    if t.phone then
        -- quoted: the contact's column and the complaint's key
        local phone = string.format("1%d%09d", math.random(3, 9),
                                    math.random(0, 4999))
        sql = sql:gsub("'" .. t.phone .. "'", "'" .. phone .. "'")
        sql = sql:gsub("'p:" .. t.phone .. "'", "'p:" .. phone .. "'")
    end

    if t.marker then
        sql = sql:gsub(literal(t.marker),
                       string.format("（回放 %d-%d-%d）", run, tid, counter))
    end

    return sql
end

function event()
    if statement then
        if query(statement) ~= 0 then
            failures = failures + 1
        end
        return
    end

    local t = templates[(counter + tid) % #templates + 1]
    local sql = fresh(t)
    local n, err, msg, i, k

    -- one intake, or a group of them, as one transaction
    k = tonumber(sysbench.opt.group)
    local parts = { sql }
    for i = 2, k do
        t = templates[(counter + tid) % #templates + 1]
        parts[i] = fresh(t)
    end
    -- a group as the module sends it: one compound statement
    if k > 1 then
        sql = PREFIX .. COMPOUND .. table.concat(parts, ";")
              .. ";END;COMMIT"
    else
        sql = PREFIX .. sql .. ";COMMIT"
    end

    for n = 0, RETRIES do
        err = query(sql)
        if err == 0 then
            return
        end

        msg = ffi.string(C.mysql_error(con))
        query("ROLLBACK")

        -- deadlock, lock wait: the module retries the whole transaction
        if err ~= 1213 and err ~= 1205 then
            break
        end

        retries = retries + 1
    end

    failures = failures + 1
    if failures <= 3 then
        io.stderr:write(string.format("intake-replay: thread %d: %d %s\n",
                                      tid, err, msg))
    end
end

function thread_done()
    if retries > 0 or failures > 0 then
        print(string.format("intake-replay: thread %d: retries %d "
                            .. "failures %d", tid, retries, failures))
    end

    C.mysql_close(con)
end
