--[[
  Extends the leases a publisher still holds while its Slack calls are under way, so a
  lease can be short (a crashed publisher's items come back within seconds) without a
  slow call letting another replica take the item. A lease is the publisher's only if
  it still ends when the publisher's token says: another replica that took the item
  over has a later one.

  KEYS[1] outboxLeases

  ARGV[1] new end of the leases (ms)
  ARGV[2], ARGV[3], ... id, token (the lease end the holder knows), ...

  Returns one entry per id: the new token, or 0 if the lease is no longer this holder's.
]]
--- @include "common"

local untilMs = ARGV[1]
local out = {}
for i = 2, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local cur = redis.call('ZSCORE', KEYS[1], id)
  if cur and tonumber(cur) == tonumber(token) then
    redis.call('ZADD', KEYS[1], untilMs, id)
    out[#out + 1] = tonumber(untilMs)
  else
    out[#out + 1] = 0
  end
end
return out
