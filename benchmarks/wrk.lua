-- wrk script for http_load.py: counts answers per status and prints one JSON line at the end.
-- Arguments after "--": a tag that makes e-mail addresses unique, then optionally a file of
-- sign-up bodies as pairs of lines (the JSON before the e-mail's local part, the JSON after).
-- With a file, every request is a POST of the next body with a new address.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local tag, bodies, sent = "", {}, 0
statuses = {}

function init(args)
  tag = args[1] or ""
  if args[2] then
    local lines = {}
    for line in io.lines(args[2]) do
      lines[#lines + 1] = line
    end
    for i = 1, #lines, 2 do
      bodies[#bodies + 1] = { lines[i], lines[i + 1] }
    end
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
end

function request()
  if #bodies == 0 then
    return wrk.request()
  end
  sent = sent + 1
  local body = bodies[sent % #bodies + 1]
  return wrk.format(nil, nil, nil, body[1] .. tag .. "-" .. id .. "-" .. sent .. body[2])
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do
    parts[#parts + 1] = string.format('"%d": %d', status, count)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "seconds": %.6f, "p50": %.3f, "p99": %.3f, '
      .. '"errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")
  ))
end
