--[[
  Takes a channel's posting slot if it is free now, for every replica, so together they
  stay under Slack's per-channel rate. Never books a slot in the future: a publisher
  that cannot write now hands its item back and the channel's most urgent item gets
  the next slot, whatever was claimed first.

  KEYS[1] channelPace(channel)

  ARGV[1] now (ms)
  ARGV[2] minimum interval between two writes to the channel (ms)

  Returns 0 when the slot was taken, else how long until it is free (ms).
]]
--- @include "common"

local now, interval = tonumber(ARGV[1]), tonumber(ARGV[2])
local slot = num(redis.call('GET', KEYS[1]), 0)
if slot > now then
  return slot - now
end
if interval > 0 then
  -- Once the slot is in the past it means nothing, so the key need not outlive it.
  redis.call('SET', KEYS[1], int(now + interval), 'PX', int(interval))
end
return 0
