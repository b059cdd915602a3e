-- wrk script: POST an RSVP with a fresh pseudonym each time.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"pseudonym": "Load ' .. n .. '", "guests": 1}')
end
