--[[
  Helpers shared by the incident scripts; pasted in by the loader (scripts.ts) where a
  script says `--- @include "common"`. They touch only keys passed to them by name.
]]

-- Plain digits: tostring() prints large ms timestamps and priority scores as 1.7e+12.
local function int(n)
  return string.format('%d', n)
end

local function num(v, default)
  local n = tonumber(v)
  if n == nil then
    return default
  end
  return n
end

-- An incident folded into a storm's digest and never shown on its own: it has no
-- message of its own to update, so the outbox leaves it alone.
local function inDigestOnly(incidentKey)
  local h = redis.call('HMGET', incidentKey, 'storm', 'ts', 'show')
  return h[1] and h[1] ~= '' and not h[2] and not h[3]
end

-- {code, info, field, value, ...}: the incident as it is after the script, so the
-- caller needs no second round trip to read it.
local function reply(code, info, incidentKey)
  local r = {code, info}
  local h = redis.call('HGETALL', incidentKey)
  for i = 1, #h do
    r[#r + 1] = h[i]
  end
  return r
end

-- detail is a flat list {name, value, ...}; stored as d:<name> so it cannot clash
-- with kind/actor/at.
local function addTimeline(timelineKey, maxLen, kind, actor, at, detail)
  local args = {'XADD', timelineKey, 'MAXLEN', '~', maxLen, '*', 'kind', kind, 'actor', actor, 'at', int(at)}
  if detail then
    for i = 1, #detail, 2 do
      args[#args + 1] = 'd:' .. detail[i]
      args[#args + 1] = detail[i + 1]
    end
  end
  return redis.call(unpack(args))
end

-- Writes the occurrences counted since the last burst entry, so the timeline stays
-- in order when a state change follows them.
local function flushBurst(incidentKey, timelineKey, maxLen, now)
  local b = redis.call('HMGET', incidentKey, 'burstCount', 'burstFirst', 'burstLast')
  local count = num(b[1], 0)
  if count > 0 then
    addTimeline(timelineKey, maxLen, 'occurrence', 'falco', now,
      {'count', int(count), 'first', b[2] or int(now), 'last', b[3] or int(now)})
    redis.call('HSET', incidentKey, 'lastBurstAt', int(now), 'burstCount', '0')
    redis.call('HDEL', incidentKey, 'burstFirst', 'burstLast')
  end
end

-- A person's change is shown at once. While a publisher holds the item (a lease), it
-- is only flagged: the holder re-schedules it for now when it finishes, so two
-- replicas never render one message concurrently.
local function scheduleNow(outboxKey, leasesKey, incidentKey, id, now)
  if inDigestOnly(incidentKey) then
    return
  end
  local lease = redis.call('ZSCORE', leasesKey, id)
  if lease and tonumber(lease) > now then
    redis.call('HSET', incidentKey, 'urgent', '1')
  else
    redis.call('ZADD', outboxKey, 'LT', int(now), id)
  end
end

-- After a render: releases the lease, and keeps the item due only if the incident
-- changed meanwhile (at once if a person changed it, else one coalescing window later,
-- or when the snooze ends).
local function settle(incidentKey, outboxKey, leasesKey, id, now, coalesceMs, pending)
  redis.call('ZREM', leasesKey, id)
  local h = redis.call('HMGET', incidentKey, 'version', 'renderedVersion', 'urgent', 'snoozedUntil')
  redis.call('HDEL', incidentKey, 'urgent')
  if num(h[1], 0) > num(h[2], 0) then
    local due = now + coalesceMs
    if h[3] == '1' then
      due = now
    elseif num(h[4], 0) > now then
      due = num(h[4], 0)
    end
    redis.call('ZADD', outboxKey, int(due), id)
    return 1
  end
  if pending == '1' then
    -- Thread lines still to post: back at once (the channel's pace spaces the writes).
    redis.call('ZADD', outboxKey, int(now), id)
    return 0
  end
  redis.call('ZREM', outboxKey, id)
  return 0
end

local PRIORITY_SPAN = 1e13

-- Keys named by data a script reads (the incident a fingerprint maps to, the id INCR
-- gives, the current assignee) are built here from the prefix the caller passes
-- (Keys.base, which ends in the one {hash tag}), so they hash to the same Cluster slot
-- as every KEYS entry. Spelled exactly as in src/incidents/keys.ts.
local function checkBase(base, declaredKey)
  if string.sub(declaredKey, 1, #base) ~= base or not string.find(base, '{', 1, true) then
    error('key prefix ' .. tostring(base) .. ' is not the prefix of ' .. declaredKey)
  end
  return base
end
local function incidentKey(base, id)
  return base .. 'incident:' .. id
end
local function timelineKey(base, id)
  return base .. 'timeline:' .. id
end
local function assigneeKey(base, user)
  return base .. 'idx:assignee:' .. user
end
local function ruleKey(base, rule)
  return base .. 'idx:rule:' .. rule
end
local function fingerprintKey(base, fp)
  return base .. 'fp:' .. fp
end
local function rawAttachedKey(base, id)
  return base .. 'raw:' .. id
end
local function dedupeKey(base, fp)
  return base .. 'dedupe:' .. fp
end
local function stormHeldKey(base, id)
  return base .. 'storm:' .. id .. ':held'
end
local function readyKey(base, channel)
  return base .. 'outbox:ready:' .. channel
end
local function paceKey(base, channel)
  return base .. 'pace:' .. channel
end
local function stormKey(base, id)
  return base .. 'storm:' .. id
end
local function stormMembersKey(base, id)
  return base .. 'storm:' .. id .. ':members'
end
local function stormCountsKey(base, id, dim)
  return base .. 'storm:' .. id .. ':by:' .. dim
end
local function stormTimelineKey(base, id)
  return base .. 'storm:' .. id .. ':timeline'
end
local function stormRateKey(base, channel)
  return base .. 'storm-rate:' .. channel
end
local function channelStormKey(base, channel)
  return base .. 'storm-of:' .. channel
end
local function silenceKey(base, id)
  return base .. 'silence:' .. id
end

-- Outbox items are incidents (FT-12), storm digests (STORM-3) and silence notices
-- (MUTE-4); each is a hash with channel, version and renderedVersion.
local function itemKey(base, id)
  if string.sub(id, 1, 6) == 'STORM-' then
    return stormKey(base, id)
  elseif string.sub(id, 1, 5) == 'MUTE-' then
    return silenceKey(base, id)
  end
  return incidentKey(base, id)
end


-- Dedupe (docs/decisions/0002-bounded-dedupe.md): a ZSET per fingerprint, event tag ->
-- when it was counted. An event is a duplicate while its tag is younger than the window.
local function isDuplicate(key, tag, now, windowMs)
  local at = redis.call('ZSCORE', key, tag)
  return at ~= false and now - tonumber(at) < windowMs
end

-- Remembers the event (not a duplicate, so its tag is absent or past the window): drops
-- what is past the window and, at `cap` tags, the oldest, then adds it. The set is bounded
-- by count and by time whatever the alert volume, and never holds more than `cap` even for
-- a moment: a sorted set that grew past zset-max-listpack-entries (128) stays in the
-- larger encoding when it shrinks again (about 130 bytes a tag instead of 40).
local function rememberEvent(key, tag, now, windowMs, cap)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', int(now - windowMs))
  local extra = redis.call('ZCARD', key) - cap + 1
  if extra > 0 then
    redis.call('ZREMRANGEBYRANK', key, 0, extra - 1)
  end
  redis.call('ZADD', key, int(now), tag)
  redis.call('PEXPIRE', key, int(windowMs))
end
