--[[
  Counts one Falco alert against the incident of its fingerprint: opens a new incident,
  groups it into the current one, or reopens a recently resolved one. An event counted
  for this fingerprint within the dedupe window is counted once
  (docs/decisions/0002-bounded-dedupe.md).

  The incident's own keys depend on what this script reads (the id the fingerprint maps
  to, or the id INCR gives), so they are built here from the key prefix, under the same
  {hash tag} as every key in KEYS (docs/decisions/0001-keys-built-in-lua.md).

  KEYS[1]  dedupe(fingerprint)
  KEYS[2]  fingerprint(fp)
  KEYS[3]  incidentSeq
  KEYS[4]  openByPriority
  KEYS[5]  resolvedByTime
  KEYS[6]  byRule(rule)
  KEYS[7]  outboxDue
  KEYS[8]  outboxLeases
  KEYS[9]  incidentRefs
  KEYS[10] stormRate(channel)
  KEYS[11] channelStorm(channel)
  KEYS[12] stormSeq
  KEYS[13] openStorms

  ARGV[1]  key prefix (Keys.base, ending in the {hash tag})
  ARGV[2]  incident id prefix ("FT": ids are FT-1, FT-2, ...)
  ARGV[3]  fingerprint    ARGV[4] rule    ARGV[5] source
  ARGV[6]  priority       ARGV[7] priority rank (0 = most severe)
  ARGV[8]  alert time (ms)
  ARGV[9]  alert JSON
  ARGV[10] channel
  ARGV[11] now (ms)
  ARGV[12] dedupe window (ms)
  ARGV[13] reopen window (ms)
  ARGV[14] coalesce window (ms)
  ARGV[15] timeline max length
  ARGV[16] storm threshold: more new incidents than this in the window is a storm (0 = off)
  ARGV[17] storm window (ms)
  ARGV[18] fold rank: new incidents of this priority rank or lower (4 = Warning) are folded
  ARGV[19] digest update interval (ms)
  ARGV[20] distinct values counted per digest dimension
  ARGV[21] retention of a closed storm's digest (s)
  ARGV[22] namespace, ARGV[23] host ('' when the alert has none)
  ARGV[24] event tag (a short hash of the event id)
  ARGV[25] most event tags remembered per fingerprint

  The storm's own keys (digest, members, counts) are named by the storm id this script
  reads or allocates, so they are built here from the prefix too.

  Returns {code, id}: only what the engine needs (the incident is read when it is shown).
    {1 new | 2 grouped | 3 reopened, id}
    {4 duplicate, id}   already counted; id is the fingerprint's current incident ('' if none)
]]
--- @include "common"
--- @include "storm"

local base = checkBase(ARGV[1], KEYS[1])
local idPrefix, fp, rule, source, priority = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local rank, t, alertJson, channel = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9], ARGV[10]
local now, dedupeWindow, reopenWindow = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local coalesceMs, maxLen = tonumber(ARGV[14]), ARGV[15]
local threshold, windowMs, foldRank = tonumber(ARGV[16]), tonumber(ARGV[17]), tonumber(ARGV[18])
local updateMs, dimCap, stormRetention = tonumber(ARGV[19]), tonumber(ARGV[20]), ARGV[21]
local dims = {rule, ARGV[22], ARGV[23]}
local tag, dedupeCap = ARGV[24], tonumber(ARGV[25])

local currentId = redis.call('GET', KEYS[2]) or ''
if isDuplicate(KEYS[1], tag, now, dedupeWindow) then
  return {4, currentId}
end
local path = 'new'
local assignee = ''
if currentId ~= '' then
  local h = redis.call('HMGET', incidentKey(base, currentId), 'status', 'resolvedAt', 'assignee')
  assignee = h[3] or ''
  if not h[1] then
    path = 'new' -- the incident expired after resolution; its mapping is stale
  elseif h[1] == 'resolved' then
    if now - num(h[2], 0) > reopenWindow then
      path = 'new'
    else
      path = 'reopen'
    end
  else
    path = 'group'
  end
end

if path == 'new' then
  local newId = idPrefix .. '-' .. int(num(redis.call('GET', KEYS[3]), 0) + 1)
  local newKey = incidentKey(base, newId)
  if redis.call('EXISTS', newKey) == 1 then
    return redis.error_reply('ERR incident ' .. newId .. ' already exists: the incident sequence was reset')
  end
  redis.call('INCR', KEYS[3])
  -- Storms: is this channel receiving more new incidents than people can read?
  local stormId = ''
  if threshold > 0 then
    redis.call('LPUSH', KEYS[10], int(now))
    redis.call('LTRIM', KEYS[10], 0, threshold)
    redis.call('PEXPIRE', KEYS[10], int(windowMs))
    stormId = redis.call('GET', KEYS[11]) or ''
    if stormId ~= '' and stormOver(stormKey(base, stormId), KEYS[10], now, threshold, windowMs) then
      closeStorm(base, stormId, KEYS[11], KEYS[13], KEYS[7], now, stormRetention)
      stormId = ''
    end
    if stormId == '' and rank >= foldRank and redis.call('LLEN', KEYS[10]) > threshold and
        now - num(redis.call('LINDEX', KEYS[10], threshold), 0) < windowMs then
      stormId = openStorm(base, KEYS[12], KEYS[11], KEYS[13], KEYS[7], channel, foldRank, now)
    end
    -- Critical and above are never folded.
    if rank < foldRank then
      stormId = ''
    end
  end
  redis.call('HSET', newKey,
    'id', newId, 'fingerprint', fp, 'rule', rule, 'source', source,
    'priority', priority, 'priorityRank', int(rank), 'status', 'open',
    'occurrences', '1', 'firstSeen', int(t), 'lastSeen', int(t),
    'latest', alertJson, 'latestTime', int(t),
    'expanded', '0', 'channel', channel, 'version', '1', 'renderedVersion', '0',
    'threadCursor', '0-0', 'postAttempted', '0', 'lastBurstAt', int(now), 'burstCount', '0')
  redis.call('SET', KEYS[2], newId)
  redis.call('ZADD', KEYS[4], int(rank * PRIORITY_SPAN + t), newId)
  redis.call('ZADD', KEYS[6], int(t), newId)
  addTimeline(timelineKey(base, newId), maxLen, 'opened', 'falco', now, {'priority', priority})
  if stormId ~= '' then
    redis.call('HSET', newKey, 'storm', stormId)
    countInStorm(base, stormId, KEYS[7], newId, true, dims, t, now, dimCap, updateMs)
  else
    redis.call('ZADD', KEYS[7], int(now), newId)
  end
  -- What names it elsewhere, for the purge once its hash has expired (purge-9.lua).
  local refs = {rule = rule, fingerprint = fp, channel = channel, messages = {}}
  if stormId ~= '' then
    refs.storm = stormId
  end
  redis.call('HSET', KEYS[9], newId, cjson.encode(refs))
  rememberEvent(KEYS[1], tag, now, dedupeWindow, dedupeCap)
  return {1, newId}
end

local id = currentId
local key, timeline = incidentKey(base, id), timelineKey(base, id)
rememberEvent(KEYS[1], tag, now, dedupeWindow, dedupeCap)
local h = redis.call('HMGET', key, 'firstSeen', 'lastSeen', 'priorityRank', 'latestTime')
local first, last, oldRank = num(h[1], t), num(h[2], t), num(h[3], rank)
redis.call('HINCRBY', key, 'occurrences', 1)
redis.call('HINCRBY', key, 'version', 1)
if t < first then
  first = t
  redis.call('HSET', key, 'firstSeen', int(t))
end
if t > last then
  last = t
  redis.call('HSET', key, 'lastSeen', int(t))
end
if rank < oldRank then
  oldRank = rank
  redis.call('HSET', key, 'priority', priority, 'priorityRank', int(rank))
end
-- Equal times: the later arrival is shown; it is no older than what we have.
if t >= num(h[4], 0) then
  redis.call('HSET', key, 'latest', alertJson, 'latestTime', int(t))
end
redis.call('ZADD', KEYS[4], int(oldRank * PRIORITY_SPAN + first), id)
redis.call('ZADD', KEYS[6], int(last), id)

-- A folded incident's occurrences are counted in its storm's digest. It is shown on its
-- own once it turns Critical or above, or once its storm's digest has expired.
if inDigestOnly(key) then
  local sid = redis.call('HGET', key, 'storm')
  if oldRank < foldRank then
    redis.call('HSET', key, 'show', 'top')
  elseif not countInStorm(base, sid, KEYS[7], id, false, dims, t, now, dimCap, updateMs) then
    redis.call('HDEL', key, 'storm')
  end
end

if path == 'reopen' then
  redis.call('HDEL', key, 'resolvedBy', 'resolvedAt', 'resolution', 'resolutionNote',
    'acknowledgedBy', 'acknowledgedAt', 'snoozedUntil')
  redis.call('HSET', key, 'status', 'open', 'lastBurstAt', int(now), 'burstCount', '0')
  redis.call('HDEL', key, 'burstFirst', 'burstLast')
  redis.call('PERSIST', key)
  redis.call('PERSIST', timeline)
  redis.call('ZREM', KEYS[5], id)
  if assignee ~= '' then
    redis.call('ZADD', assigneeKey(base, assignee), int(first), id)
  end
  addTimeline(timeline, maxLen, 'reopened', 'falco', now, nil)
  scheduleNow(KEYS[7], KEYS[8], key, id, now)
  return {3, id}
end

-- One timeline entry per coalescing window, however many occurrences it saw.
local b = redis.call('HMGET', key, 'lastBurstAt', 'burstCount', 'burstFirst', 'burstLast')
local count = num(b[2], 0) + 1
local bFirst, bLast = math.min(num(b[3], t), t), math.max(num(b[4], t), t)
if now - num(b[1], 0) >= coalesceMs then
  addTimeline(timeline, maxLen, 'occurrence', 'falco', now,
    {'count', int(count), 'first', int(bFirst), 'last', int(bLast)})
  redis.call('HSET', key, 'lastBurstAt', int(now), 'burstCount', '0')
  redis.call('HDEL', key, 'burstFirst', 'burstLast')
else
  redis.call('HSET', key, 'burstCount', int(count), 'burstFirst', int(bFirst), 'burstLast', int(bLast))
end

-- NX: a burst never pushes an update that is already scheduled further out.
local s = redis.call('HMGET', key, 'snoozedUntil', 'renderedAt')
local snoozedUntil = num(s[1], 0)
local channelStorm = ''
if threshold > 0 and oldRank >= foldRank then
  channelStorm = redis.call('GET', KEYS[11]) or ''
end
if inDigestOnly(key) then
  -- Its digest was scheduled above; it has no message of its own.
elseif channelStorm ~= '' then
  -- The channel is in a storm: its incidents' repeats wait for the storm to end (the
  -- counts stay exact; people's changes are still shown at once).
  redis.call('ZADD', stormHeldKey(base, channelStorm), 0, id)
elseif snoozedUntil > now then
  redis.call('ZADD', KEYS[7], 'NX', int(snoozedUntil), id)
else
  redis.call('ZADD', KEYS[7], 'NX', int(math.max(now, num(s[2], 0) + coalesceMs)), id)
end
return {2, id}
