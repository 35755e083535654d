-- bench/sessions.lua — wrk script of bench/sessions.sh: every connection
-- alternates POST /api/v1/sessions {area} (an admission) and
-- DELETE /api/v1/sessions/{id} (a close), over the clients listed in the
-- world file (one "<area> <token>" line each, path in BENCH_WORLD), each
-- request authenticated by that client's owner's bearer token. Against
-- nginx (which answers "ok") no id comes back, so every request is an open.
local world, opened, next_client = {}, {}, 0

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
  if status == 201 then
    local id = body:match('^{"id": ?(%d+)')
    if id then opened[#opened + 1] = { id = id, auth = pending.auth } end
  end
end
