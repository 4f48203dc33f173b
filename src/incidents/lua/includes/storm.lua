--[[
  Storm helpers shared by recordOccurrence and the storm sweeper; pasted in after
  "common" (they use its key builders). A storm is a channel receiving more new
  incidents in a window than people can read one by one: new incidents at or below the
  fold priority go into one digest message instead of a message each, with exact counts.
]]

-- Slack-side ordering: the digest goes before the incidents of its priority.
local STORM_DIMS = {'rule', 'ns', 'host'}
-- Past this many distinct values, a dimension counts the rest under one field.
local OTHER = '\0'

-- How many of the channel's newest incident openings (a list of at most
-- threshold + 1 times) fall inside the window ending now.
local function recentOpenings(rateKey, now, windowMs)
  local times = redis.call('LRANGE', rateKey, 0, -1)
  local n = 0
  for _, v in ipairs(times) do
    if now - num(v, 0) < windowMs then
      n = n + 1
    end
  end
  return n
end

-- The storm is over when it has lasted a whole window, new incidents fell back to at most
-- half the threshold in the last window, and its incidents stopped firing for a window
-- (a storm of repeats is still a storm to the people reading the channel).
local function stormOver(stormHashKey, rateKey, now, threshold, windowMs)
  local h = redis.call('HMGET', stormHashKey, 'startedAt', 'lastAlertAt')
  if now - num(h[1], now) < windowMs or now - num(h[2], 0) < windowMs then
    return false
  end
  return recentOpenings(rateKey, now, windowMs) <= math.floor(threshold / 2)
end

-- Closes the storm once (its id leaves the channel and the open index atomically):
-- the digest gets its final rendering and a summary line in the channel.
local function closeStorm(base, id, channelStormKey, openStormsKey, outboxKey, now, retentionSec)
  if redis.call('ZREM', openStormsKey, id) == 0 then
    return 0
  end
  if redis.call('GET', channelStormKey) == id then
    redis.call('DEL', channelStormKey)
  end
  local key = stormKey(base, id)
  redis.call('HSET', key, 'status', 'closed', 'closedAt', int(now))
  redis.call('HINCRBY', key, 'version', 1)
  addTimeline(stormTimelineKey(base, id), 1000, 'storm_closed', 'falco', now, nil)
  redis.call('ZADD', outboxKey, int(now), id)
  -- The channel's own incidents whose repeats waited for the storm to end show them now.
  local held = stormHeldKey(base, id)
  for _, iid in ipairs(redis.call('ZRANGE', held, 0, -1)) do
    redis.call('ZADD', outboxKey, 'LT', int(now), iid)
  end
  redis.call('DEL', held)
  for _, k in ipairs({key, stormMembersKey(base, id), stormTimelineKey(base, id),
      stormCountsKey(base, id, 'rule'), stormCountsKey(base, id, 'ns'),
      stormCountsKey(base, id, 'host')}) do
    redis.call('EXPIRE', k, retentionSec)
  end
  return 1
end

local function openStorm(base, seqKey, channelStormKey, openStormsKey, outboxKey, channel, rank, now)
  local id = 'STORM-' .. int(redis.call('INCR', seqKey))
  redis.call('HSET', stormKey(base, id), 'id', id, 'channel', channel, 'status', 'open',
    'startedAt', int(now), 'incidents', '0', 'alerts', '0', 'priorityRank', int(rank),
    'version', '1', 'renderedVersion', '0', 'threadCursor', '0-0', 'postAttempted', '0')
  redis.call('SET', channelStormKey, id)
  redis.call('ZADD', openStormsKey, int(now), id)
  redis.call('ZADD', outboxKey, int(now), id)
  return id
end

local function countDim(base, id, dim, value, what, cap)
  local key = stormCountsKey(base, id, dim)
  local field = what .. ':' .. value
  if redis.call('HEXISTS', key, field) == 0 and redis.call('HLEN', key) >= cap * 2 then
    field = what .. ':' .. OTHER
  end
  redis.call('HINCRBY', key, field, 1)
end

-- Counts one alert (and, for a new incident, the incident) in the storm's digest, and
-- schedules the digest's update no sooner than updateMs after the last one.
local function countInStorm(base, id, outboxKey, incidentId, isNew, dims, t, now, cap, updateMs)
  local key = stormKey(base, id)
  if redis.call('EXISTS', key) == 0 then
    return false
  end
  redis.call('HINCRBY', key, 'alerts', 1)
  redis.call('HSET', key, 'lastAlertAt', int(now))
  if isNew then
    redis.call('HINCRBY', key, 'incidents', 1)
    redis.call('ZADD', stormMembersKey(base, id), num(string.match(incidentId, '-(%d+)$'), 0), incidentId)
  end
  local h = redis.call('HMGET', key, 'firstSeen', 'lastSeen', 'renderedAt')
  if not h[1] or t < num(h[1], t) then
    redis.call('HSET', key, 'firstSeen', int(t))
  end
  if not h[2] or t > num(h[2], t) then
    redis.call('HSET', key, 'lastSeen', int(t))
  end
  for i, dim in ipairs(STORM_DIMS) do
    if isNew then
      countDim(base, id, dim, dims[i], 'i', cap)
    end
    countDim(base, id, dim, dims[i], 'a', cap)
  end
  redis.call('HINCRBY', key, 'version', 1)
  redis.call('ZADD', outboxKey, 'NX', int(math.max(now, num(h[3], 0) + updateMs)), id)
  return true
end
