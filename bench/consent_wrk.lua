-- wrk script for bench/consent_api.py --client wrk: every request a consent write of a new
-- random visitor, as the banner sends it. Prints one machine-readable line at the end.
local charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
math.randomseed(os.time() + math.floor(os.clock() * 1e6))

local function visitor()
  local t = {}
  for i = 1, 22 do
    local n = math.random(1, #charset)
    t[i] = charset:sub(n, n)
  end
  return table.concat(t)
end

local headers = { ["Content-Type"] = "application/json", ["Origin"] = "https://www.example.org" }

request = function()
  local body = '{"site":"demo","version":1,"visitor":"' .. visitor() ..
    '","choices":{"statistics":true,"preferences":false},"method":"preferences","language":"fr"}'
  return wrk.format("POST", "/api/v1/consent", headers, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK requests=%d non2xx=%d socket_errors=%d p50_us=%d p95_us=%d p99_us=%d\n",
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
