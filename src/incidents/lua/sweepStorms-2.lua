--[[
  Closes the storms whose rate fell back (at most half the threshold in the last window,
  after at least a window): run on a timer by every replica; each storm is closed once,
  by whichever replica gets there first, and recordOccurrence closes one the same way
  when a new incident arrives, so closing does not depend on the timer's timing.

  KEYS[1] openStorms
  KEYS[2] outboxDue (the digest's last update is scheduled there)

  ARGV[1] key prefix (Keys.base)
  ARGV[2] now (ms)
  ARGV[3] storm threshold
  ARGV[4] storm window (ms)
  ARGV[5] retention of a closed storm's digest (s)

  Returns the ids of the storms closed by this call.
]]
--- @include "common"
--- @include "storm"

local base = checkBase(ARGV[1], KEYS[1])
local now, threshold, windowMs, retention = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local outbox = KEYS[2]
local closed = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = stormKey(base, id)
  local channel = redis.call('HGET', key, 'channel')
  if not channel then
    redis.call('ZREM', KEYS[1], id)
  elseif stormOver(key, stormRateKey(base, channel), now, threshold, windowMs) then
    if closeStorm(base, id, channelStormKey(base, channel), KEYS[1], outbox, now, retention) == 1 then
      closed[#closed + 1] = id
    end
  end
end
return closed
