--[[
  Reserves the next posting slot of a channel, shared by every replica, so together
  they stay under Slack's per-channel rate.

  KEYS[1] channelPace(channel)

  ARGV[1] now (ms)
  ARGV[2] minimum interval between two writes to the channel (ms)

  Returns how long to wait before writing (ms; 0 = now).
]]
--- @include "common"

local now, interval = tonumber(ARGV[1]), tonumber(ARGV[2])
local slot = math.max(now, num(redis.call('GET', KEYS[1]), 0))
-- Once the reservation is in the past it means nothing, so it need not outlive it.
redis.call('SET', KEYS[1], int(slot + interval), 'PX', int(math.max(1, slot + interval - now)))
return slot - now
