-- wrk script: POST an RSVP with a fresh pseudonym each time.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
-- BENCH_EMAIL=1: each RSVP leaves an address too.
local n = 0
local email = os.getenv("BENCH_EMAIL") == "1"
request = function()
  n = n + 1
  local address = ""
  if email then
    address = ', "email": "load' .. n .. '@example.org"'
  end
  return wrk.format(nil, nil, nil, '{"pseudonym": "Load ' .. n .. '", "guests": 1' .. address .. '}')
end
