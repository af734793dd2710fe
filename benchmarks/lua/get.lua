-- wrk: a logged-in person's GET of one page (benchmarks/runtime.py).
--
--   wrk ... -s get.lua URL -- same|vary-host MARK
--
-- "vary-host" sends every request with a Host header of its own, so that the page's cache
-- (keyed by the request's base URL, runtime/forms/controllers.py) never has it: the page is
-- rendered for every request. Every response is checked: anything but a 200 whose body holds
-- MARK (a text of the page itself) is an error (a 3xx here would be the login page, a 200
-- without it an error page). The last line is one JSON object.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  vary = args[1] == "vary-host"
  mark = args[2] or ""
  counter = 0
  responses = 0
  bad = 0
  first_bad = 0
  fixed = wrk.format("GET")
end

function request()
  if not vary then
    return fixed
  end
  counter = counter + 1
  local headers = {}
  for key, value in pairs(wrk.headers) do
    headers[key] = value
  end
  headers["Host"] = string.format("t%d-r%d.bench.invalid", id, counter)
  return wrk.format("GET", nil, headers)
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 or not string.find(body, mark, 1, true) then
    bad = bad + 1
    if first_bad == 0 then
      first_bad = status
    end
  end
end

function done(summary, latency, requests)
  local total, errors, status = 0, 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("responses")
    errors = errors + thread:get("bad")
    if status == 0 then
      status = thread:get("first_bad")
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "responses": %d, "bad_status": %d, '
      .. '"first_bad_status": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, '
      .. '"p50_us": %d, "p99_us": %d, "applied": 0, "unapplied": 0}\n',
    summary.requests, summary.duration, total, errors, status, e.connect, e.read, e.write,
    e.timeout, latency:percentile(50.0), latency:percentile(99.0)))
end
