--[[
  Hands out the turn of a periodic job (the retention purge) to one replica per
  interval: every replica's timer asks, the first to ask once the turn is due gets it,
  the others get 0 until the next interval. Times are the callers' clocks (ms), so a
  test moves them itself.

  KEYS[1] turn(job): when the job is next due (ms)

  ARGV[1] now (ms)
  ARGV[2] interval (ms)

  Returns 1 if the caller has this interval's turn, else 0.
]]
--- @include "common"

local now, interval = tonumber(ARGV[1]), tonumber(ARGV[2])
if now < num(redis.call('GET', KEYS[1]), 0) then
  return 0
end
-- Expires a while after it is due, so a job nobody runs any more leaves nothing behind.
redis.call('SET', KEYS[1], int(now + interval), 'PX', int(interval * 2))
return 1
