--[[
  Pushes a channel's next posting slot out (Slack said 429), for every replica; never
  pulls it in.

  KEYS[1] channelPace(channel)

  ARGV[1] now (ms)
  ARGV[2] no writes before this (ms)

  Returns the channel's next slot (ms).
]]
--- @include "common"

local now, untilMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local slot = math.max(untilMs, num(redis.call('GET', KEYS[1]), 0))
if slot > now then
  redis.call('SET', KEYS[1], int(slot), 'PX', int(slot - now))
end
return slot
