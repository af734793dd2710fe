-- wrk: htmx change requests of one field on the OKR's page (benchmarks/runtime.py).
--
--   wrk -t N -c N ... -s change.lua URL -- CONFIG.lua
--
-- One connection per thread, and each thread is one person on a draft of their own: it posts
-- the page's whole form as htmx does (multipart/form-data, the anti-forgery token, the draft's
-- revision), names the changed field in X-POPO-Field, gives the field a value other than its
-- last one on every request, and reads the draft's new revision from the answer (the
-- out-of-band #draft-revision input) for its next request, as the page would. An answer
-- without a new revision was not applied (a conflict); anything but 200 is an error.
-- CONFIG.lua returns {path = "/drafts/%s/pages/verzuim/change", field = "...", drafts = {...},
-- revisions = {...}, values = {...}, form = {{name, value}, ...}, page_url = "..."}.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local BOUNDARY = "----popoBenchFormBoundary7MA4YWxkTrZu0gW"

function init(args)
  local config = dofile(args[1])
  local index = id + 1
  assert(config.drafts[index], "fewer drafts than threads")
  path = string.format(config.path, config.drafts[index])
  page_url = string.format(config.page_url, config.drafts[index])
  field = config.field
  form = config.form
  revision = config.revisions[index]
  value = config.values[index]
  responses = 0
  bad = 0
  first_bad = 0
  applied = 0
  unapplied = 0
end

local function part(name, text)
  return "--" .. BOUNDARY .. "\r\n"
    .. 'Content-Disposition: form-data; name="' .. name .. '"\r\n\r\n'
    .. text .. "\r\n"
end

function request()
  value = (value % 40) + 1 -- 1..40 half-days: never the value the field had before
  local body = {}
  for _, item in ipairs(form) do
    local name, text = item[1], item[2]
    if name == "_revision" then
      text = tostring(revision)
    elseif name == field then
      text = tostring(value)
    end
    table.insert(body, part(name, text))
  end
  table.insert(body, "--" .. BOUNDARY .. "--\r\n")
  local headers = {}
  for key, header in pairs(wrk.headers) do
    headers[key] = header
  end
  headers["Content-Type"] = "multipart/form-data; boundary=" .. BOUNDARY
  headers["HX-Request"] = "true"
  headers["HX-Current-URL"] = page_url
  headers["X-POPO-Field"] = field
  return wrk.format("POST", path, headers, table.concat(body))
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then
    bad = bad + 1
    if first_bad == 0 then
      first_bad = status
    end
    return
  end
  local new = string.match(body, 'id="draft%-revision" value="(%d+)"')
  if new then
    revision = tonumber(new)
    applied = applied + 1
  else
    unapplied = unapplied + 1
  end
end

function done(summary, latency, requests)
  local total, errors, status, ok, not_ok = 0, 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("responses")
    errors = errors + thread:get("bad")
    ok = ok + thread:get("applied")
    not_ok = not_ok + thread:get("unapplied")
    if status == 0 then
      status = thread:get("first_bad")
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "responses": %d, "bad_status": %d, '
      .. '"first_bad_status": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, '
      .. '"p50_us": %d, "p99_us": %d, "applied": %d, "unapplied": %d}\n',
    summary.requests, summary.duration, total, errors, status, e.connect, e.read, e.write,
    e.timeout, latency:percentile(50.0), latency:percentile(99.0), ok, not_ok))
end
