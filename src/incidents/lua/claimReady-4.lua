--[[
  Hands a publisher the next item of each channel that may be written to now: most
  severe first, then oldest first (the incident number), whatever was due first. Items
  come due in outboxDue (by time: coalescing windows, back-offs, snoozes); due items
  move to their channel's ready queue (by priority) here. A channel whose posting slot
  is still taken (pace), or that has an item out on a lease, gives nothing: one item
  per channel at a time, so a lease only has to cover one Slack write.

  The ready queues and pace keys are named by the channel the item's hash says, so they
  are built here from the key prefix, under the same {hash tag} as KEYS
  (docs/decisions/0001-keys-built-in-lua.md).

  KEYS[1] outboxDue
  KEYS[2] outboxLeases
  KEYS[3] outboxChannels
  KEYS[4] outboxHeld (channel -> the item it has out)

  ARGV[1] key prefix (Keys.base)
  ARGV[2] now (ms)
  ARGV[3] lease (ms)
  ARGV[4] how many due items to move to the ready queues at most

  Returns {channel, id, leaseUntil, ...}: at most one item per channel. leaseUntil is the
  lease's token: renewing or releasing it needs the same value.
]]
--- @include "common"

local base = checkBase(ARGV[1], KEYS[1])
local now, lease, maxPromote = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local due, leases, channels = KEYS[1], KEYS[2], KEYS[3]

-- Leases that ran out belong to publishers that never reported back (crashed): their
-- items are in outboxDue at the lease's end, so they come back below.
redis.call('ZREMRANGEBYSCORE', leases, '-inf', int(now))

local ids = redis.call('ZRANGEBYSCORE', due, '-inf', int(now), 'LIMIT', 0, maxPromote)
for _, id in ipairs(ids) do
  local held = redis.call('ZSCORE', leases, id)
  if held then
    -- Out on a lease: it is looked at again when the lease ends or its holder settles it.
    redis.call('ZADD', due, held, id)
  else
    local h = redis.call('HMGET', itemKey(base, id), 'channel', 'priorityRank')
    redis.call('ZREM', due, id)
    if h[1] and h[1] ~= '' then
      local seq = num(string.match(id, '-(%d+)$'), 0)
      redis.call('ZADD', readyKey(base, h[1]), int(num(h[2], 4) * PRIORITY_SPAN + seq), id)
      redis.call('ZADD', channels, 0, h[1])
    end
  end
end

local out = {}
local untilMs = int(now + lease)
for _, channel in ipairs(redis.call('ZRANGE', channels, 0, -1)) do
  local ready = readyKey(base, channel)
  local busy = num(redis.call('GET', paceKey(base, channel)), 0) > now
  if not busy then
    -- One item per channel out at a time, across replicas.
    local lane = redis.call('HGET', KEYS[4], channel)
    if lane and redis.call('ZSCORE', leases, lane) then
      busy = true
    end
  end
  if not busy then
    local top = redis.call('ZRANGE', ready, 0, 0)
    local id = top[1]
    if not id then
      redis.call('ZREM', channels, channel)
      redis.call('HDEL', KEYS[4], channel)
    else
      redis.call('ZREM', ready, id)
      redis.call('ZADD', leases, untilMs, id)
      -- Back by itself when the lease ends, should this publisher never report.
      redis.call('ZADD', due, untilMs, id)
      redis.call('HSET', KEYS[4], channel, id)
      out[#out + 1] = channel
      out[#out + 1] = id
      out[#out + 1] = untilMs
    end
  end
end
return out
