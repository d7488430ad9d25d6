-- wrk script for the survey answer bench: every request answers another invitation.
-- Tokens come from the file BENCH_TOKENS (one a line); thread k of n takes lines k, k+n, ...
-- Counts 2xx and other statuses and prints one JSON line, like count.lua.
local body = os.getenv("BENCH_BODY")
local prefix = os.getenv("BENCH_PREFIX") or "/api/v1/public/surveys/"
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  ok = 0
  bad = 0
  tokens = {}
  local n = tonumber(os.getenv("BENCH_THREADS"))
  local i = 0
  for line in io.lines(os.getenv("BENCH_TOKENS")) do
    if i % n == id then
      table.insert(tokens, line)
    end
    i = i + 1
  end
  next_token = 1
end

function request()
  local token = tokens[next_token]
  next_token = next_token + 1
  if token == nil then
    token = "exhausted-token-" .. next_token
  end
  local path = prefix .. token
  if os.getenv("BENCH_SUFFIX") then
    path = path .. os.getenv("BENCH_SUFFIX")
  end
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local o, b = 0, 0
  for _, t in ipairs(threads) do
    o = o + t:get("ok")
    b = b + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "ok": %d, "bad": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, o, b,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
