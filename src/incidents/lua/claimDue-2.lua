--[[
  Hands out due outbox items to one publisher for a lease. A claimed item is moved to
  the end of its lease, so another replica takes it only if this one never reports
  back (crashed); two replicas never get the same item within a lease.

  KEYS[1] outboxDue
  KEYS[2] outboxLeases

  ARGV[1] now (ms)
  ARGV[2] how many items at most
  ARGV[3] lease (ms)

  Returns the claimed incident ids, earliest due first.
]]
--- @include "common"

local now, limit, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
-- Leases that ran out belong to publishers that never reported back.
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', int(now))
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', int(now), 'LIMIT', 0, limit)
local untilMs = int(now + lease)
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], untilMs, id)
  redis.call('ZADD', KEYS[2], untilMs, id)
end
return ids
