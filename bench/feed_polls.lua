-- wrk script for bench/feed_bench.py: poll the feeds in turn, each with the ETag it last answered.
-- Run with one connection per thread (-t N -c N), so that a thread's response is to its last request.
-- Argument: a file of "path etag" lines (the etag may be missing): the feeds, and what a client has.

local threads = {}

function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths, etags = {}, {}
  for line in io.lines(args[1]) do
    local path, etag = line:match("^(%S+)%s*(.*)$")
    table.insert(paths, path)
    etags[#paths] = etag ~= "" and etag or nil
  end
  -- Threads start spread over the list, so that they do not poll the same feed together.
  n = math.floor(offset * #paths / 8)
  not_modified = 0
end

function request()
  n = n % #paths + 1
  if etags[n] then
    return wrk.format("GET", paths[n], { ["If-None-Match"] = etags[n] })
  end
  return wrk.format("GET", paths[n])
end

function response(status, headers, body)
  if status == 200 then
    etags[n] = headers["ETag"]
  elseif status == 304 then
    not_modified = not_modified + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("not_modified")
  end
  io.write(string.format("Not modified: %d\n", total))
end
