-- Liaison bench: GET /api/v1/tickets?mine=1 with the litigant token given
-- by -H "Authorization: Bearer ..." on the wrk command line.
function request()
    return wrk.format("GET", "/api/v1/tickets?mine=1")
end
