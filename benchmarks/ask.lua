-- wrk script: POST /api/ask cycling through a few gold questions (grounded mode).
-- wrk -t2 -c20 -d20s -s benchmarks/ask.lua http://127.0.0.1:8000
local questions = {
  "宿州设备购置额800万元能拿多少奖补？", "苏州的中小企业上云有什么补贴？", "江苏省对新入选国家级双跨平台奖励多少？",
  "六安的工业互联网政策正式生效了吗？", "苏州贷款3亿搞智能化改造，贴息多少？", "北京有什么工业互联网补贴？",
  "萧县的企业评上L4了，能拿多少钱？", "苏州首台套装备奖励怎么算？", "宿州对企业级工业互联网平台奖补多少？",
  "六安办工业互联网诊断服务活动能支持多少？",
}
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  local body = '{"question": "' .. questions[(i % #questions) + 1] .. '"}'
  return wrk.format(nil, "/api/ask", nil, body)
end
done = function(summary, latency, requests)
  io.write(string.format("p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, %d requests, %d errors (status), %.1f req/s\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.errors.status, summary.requests / (summary.duration / 1e6)))
end
