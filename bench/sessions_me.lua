-- bench/sessions_me.lua — wrk script of bench/sessions.sh's read ceiling:
-- GET /api/v1/me, each request with the next client's bearer token from the
-- world file (BENCH_WORLD), the tokens the admissions use.
local world, next_client = {}, 0

function init(args)
  for line in io.lines(os.getenv("BENCH_WORLD")) do
    local token = line:match("^%d+ (%S+)$")
    if token then world[#world + 1] = "Bearer " .. token end
  end
  next_client = math.random(#world) - 1
end

function request()
  next_client = next_client % #world + 1
  return wrk.format("GET", "/api/v1/me", { ["Authorization"] = world[next_client] })
end
