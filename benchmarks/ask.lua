-- wrk script: POST /api/ask (grounded mode).
--   wrk -t2 -c20 -d20s -s benchmarks/ask.lua http://127.0.0.1:8000                  ten popular questions
--   wrk -t2 -c50 -d20s -s benchmarks/ask.lua http://127.0.0.1:8000 -- bodies.txt 0 2   one JSON body per line,
--       from line offset+1 on, each body sent once (threads interleave) and wrapping round at the end
-- benchmarks/load.py writes the body files and runs this at each concurrency level.
local questions = {
  "宿州设备购置额800万元能拿多少奖补？", "苏州的中小企业上云有什么补贴？", "江苏省对新入选国家级双跨平台奖励多少？",
  "六安的工业互联网政策正式生效了吗？", "苏州贷款3亿搞智能化改造，贴息多少？", "北京有什么工业互联网补贴？",
  "萧县的企业评上L4了，能拿多少钱？", "苏州首台套装备奖励怎么算？", "宿州对企业级工业互联网平台奖补多少？",
  "六安办工业互联网诊断服务活动能支持多少？",
}
local thread_count = 0
function setup(thread)  -- runs in the main Lua state; "id" becomes a global of the thread's own state
  thread:set("id", thread_count)
  thread_count = thread_count + 1
end

local bodies = {}
local step, i = 1, 0
function init(args)
  if args[1] then
    for line in io.lines(args[1]) do
      if #line > 0 then bodies[#bodies + 1] = line end
    end
    step = tonumber(args[3]) or 1  -- the number of wrk threads (-t), so threads never send the same body
    i = (tonumber(args[2]) or 0) + (id or 0)
  else
    for _, q in ipairs(questions) do bodies[#bodies + 1] = '{"question": "' .. q .. '"}' end
    i = (id or 0)
  end
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local body = bodies[(i % #bodies) + 1]
  i = i + step
  return wrk.format(nil, "/api/ask", nil, body)
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, %d requests, %d errors (status), %.1f req/s\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.status, summary.requests / seconds))
  local e = summary.errors
  io.write(string.format(
    'RESULT {"p50": %.3f, "p95": %.3f, "p99": %.3f, "requests": %d, "rps": %.3f, "non2xx": %d, "socket_errors": %d}\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.requests / seconds, e.status, e.connect + e.read + e.write + e.timeout))
end
