-- bench/sessions.lua — wrk script of bench/sessions.sh: every connection
-- alternates POST /api/v1/sessions {area} (an admission) and
-- DELETE /api/v1/sessions/{id} (a close), over the clients listed in the
-- world file (one "<area> <token>" line each, path in BENCH_WORLD), each
-- request authenticated by that client's owner's bearer token. Against
-- nginx (which answers "ok") no id comes back, so every request is an open.
--
-- A 409 is the expected answer of an admission over a limit (a client may
-- have five sessions open for a moment with wrk's per-thread queue); every
-- thread counts its answers by class, and done() prints one line,
--   statuses: 2xx=N 409=N other=N
-- that bench/sessions.sh reads: only "other" (any other non-2xx) fails a run.
local world, opened, next_client = {}, {}, 0
local threads = {}
n2xx, n409, nother = 0, 0, 0

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  for line in io.lines(os.getenv("BENCH_WORLD")) do
    local area, token = line:match("^(%d+) (%S+)$")
    if area then world[#world + 1] = { area = area, auth = "Bearer " .. token } end
  end
  -- threads start at different clients
  next_client = (wrk.thread and math.random(#world) or 1) - 1
end

function request()
  local o = table.remove(opened, 1)
  if o then
    return wrk.format("DELETE", "/api/v1/sessions/" .. o.id, { ["Authorization"] = o.auth })
  end
  next_client = next_client % #world + 1
  local c = world[next_client]
  pending = c
  return wrk.format("POST", "/api/v1/sessions",
    { ["Authorization"] = c.auth, ["Content-Type"] = "application/json" },
    '{"area": ' .. c.area .. '}')
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    n2xx = n2xx + 1
  elseif status == 409 then
    n409 = n409 + 1
  else
    nother = nother + 1
  end
  if status == 201 then
    local id = body:match('^{"id": ?(%d+)')
    if id then opened[#opened + 1] = { id = id, auth = pending.auth } end
  end
end

function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("n2xx"); b = b + t:get("n409"); c = c + t:get("nother")
  end
  io.write(string.format("statuses: 2xx=%d 409=%d other=%d\n", a, b, c))
end
