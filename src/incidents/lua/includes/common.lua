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
local function settle(incidentKey, outboxKey, leasesKey, id, now, coalesceMs)
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
