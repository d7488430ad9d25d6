-- wrk script: method, body and bearer token from the environment; counts 2xx and other
-- statuses per thread and prints one JSON line the bench parses.
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
-- BENCH_VARY=N: each request's body has "{n}" replaced by a random number below N (e.g.
-- one of N customers), so that rows a request touches are spread as in real traffic.
local vary = tonumber(os.getenv("BENCH_VARY") or "0")
if vary > 0 and body then
  function request()
    local b = string.gsub(body, "{n}", tostring(math.random(0, vary - 1)))
    return wrk.format(nil, nil, nil, b)
  end
end
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  ok = 0
  bad = 0
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
    'BENCHJSON {"requests":%d,"duration_us":%d,"ok":%d,"bad":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p99_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, o, b, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
