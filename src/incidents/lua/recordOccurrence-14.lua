--[[
  Counts one Falco alert against the incident of its fingerprint: opens a new incident,
  groups it into the current one, or reopens a recently resolved one. An event id seen
  before is counted once.

  Keys of incidents are never built here. The caller passes the incident it believes
  the fingerprint maps to (and, for a new incident, the id it predicts INCR will give);
  when the belief is wrong the script changes nothing and says what to pass instead.

  KEYS[1]  seenEvent(eventId)
  KEYS[2]  fingerprint(fp)
  KEYS[3]  incidentSeq
  KEYS[4]  incident(knownId)       (any key when knownId is '')
  KEYS[5]  timeline(knownId)
  KEYS[6]  incident(newId)         (any key when newId is '')
  KEYS[7]  timeline(newId)
  KEYS[8]  openByPriority
  KEYS[9]  resolvedByTime
  KEYS[10] byRule(rule)
  KEYS[11] byAssignee(knownAssignee) (any key when knownAssignee is '')
  KEYS[12] outboxDue
  KEYS[13] outboxLeases
  KEYS[14] incidentRefs

  ARGV[1]  knownId: incident id the caller believes fp maps to, or ''
  ARGV[2]  knownAssignee: that incident's assignee as the caller believes, or ''
  ARGV[3]  newId: id to give a new incident, or '' when not predicted
  ARGV[4]  newSeq: the INCR value newId was made from
  ARGV[5]  fingerprint    ARGV[6] rule    ARGV[7] source
  ARGV[8]  priority       ARGV[9] priority rank (0 = most severe)
  ARGV[10] alert time (ms)
  ARGV[11] alert JSON
  ARGV[12] channel
  ARGV[13] now (ms)
  ARGV[14] dedupe TTL (s)
  ARGV[15] reopen window (ms)
  ARGV[16] coalesce window (ms)
  ARGV[17] timeline max length

  Returns
    {1 new | 2 grouped | 3 reopened, id, field, value, ...}  the incident after the change
    {4 duplicate, id, field, value, ...}   event already counted (fields only when id = knownId)
    {-5 retry, currentId, currentAssignee, nextSeq, needNewId 0|1}   nothing changed
]]
--- @include "common"

local knownId, knownAssignee, newId, newSeq = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local fp, rule, source, priority, rank = ARGV[5], ARGV[6], ARGV[7], ARGV[8], tonumber(ARGV[9])
local t, alertJson, channel, now = tonumber(ARGV[10]), ARGV[11], ARGV[12], tonumber(ARGV[13])
local dedupeTtl, reopenWindow, coalesceMs, maxLen = ARGV[14], tonumber(ARGV[15]), tonumber(ARGV[16]), ARGV[17]

local seen = redis.call('GET', KEYS[1])
if seen then
  if seen ~= '' and seen == knownId then
    return reply(4, seen, KEYS[4])
  end
  return {4, seen}
end

local currentId = redis.call('GET', KEYS[2]) or ''
local nextSeq = num(redis.call('GET', KEYS[3]), 0) + 1
if currentId ~= knownId then
  return {-5, currentId, '', int(nextSeq), 0}
end

local path = 'new'
local assignee = ''
if currentId ~= '' then
  local h = redis.call('HMGET', KEYS[4], 'status', 'resolvedAt', 'assignee')
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

if path == 'new' and (newId == '' or newSeq ~= int(nextSeq)) then
  return {-5, currentId, assignee, int(nextSeq), 1}
end
if path == 'reopen' and assignee ~= knownAssignee then
  return {-5, currentId, assignee, int(nextSeq), 0}
end

if path == 'new' then
  if redis.call('EXISTS', KEYS[6]) == 1 then
    return redis.error_reply('ERR incident ' .. newId .. ' already exists: the incident sequence was reset')
  end
  redis.call('INCR', KEYS[3])
  redis.call('HSET', KEYS[6],
    'id', newId, 'fingerprint', fp, 'rule', rule, 'source', source,
    'priority', priority, 'priorityRank', int(rank), 'status', 'open',
    'occurrences', '1', 'firstSeen', int(t), 'lastSeen', int(t),
    'latest', alertJson, 'latestTime', int(t),
    'expanded', '0', 'channel', channel, 'version', '1', 'renderedVersion', '0',
    'threadCursor', '0-0', 'postAttempted', '0', 'lastBurstAt', int(now), 'burstCount', '0')
  redis.call('SET', KEYS[2], newId)
  redis.call('ZADD', KEYS[8], int(rank * PRIORITY_SPAN + t), newId)
  redis.call('ZADD', KEYS[10], int(t), newId)
  addTimeline(KEYS[7], maxLen, 'opened', 'falco', now, {'priority', priority})
  redis.call('ZADD', KEYS[12], int(now), newId)
  redis.call('HSET', KEYS[14], newId, cjson.encode({rule = rule, fingerprint = fp, messages = {}}))
  redis.call('SET', KEYS[1], newId, 'EX', dedupeTtl)
  return reply(1, newId, KEYS[6])
end

local key, timeline, id = KEYS[4], KEYS[5], currentId
redis.call('SET', KEYS[1], id, 'EX', dedupeTtl)

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
redis.call('ZADD', KEYS[8], int(oldRank * PRIORITY_SPAN + first), id)
redis.call('ZADD', KEYS[10], int(last), id)

if path == 'reopen' then
  redis.call('HDEL', key, 'resolvedBy', 'resolvedAt', 'resolution', 'resolutionNote',
    'acknowledgedBy', 'acknowledgedAt', 'snoozedUntil')
  redis.call('HSET', key, 'status', 'open', 'lastBurstAt', int(now), 'burstCount', '0')
  redis.call('HDEL', key, 'burstFirst', 'burstLast')
  redis.call('PERSIST', key)
  redis.call('PERSIST', timeline)
  redis.call('ZREM', KEYS[9], id)
  if assignee ~= '' then
    redis.call('ZADD', KEYS[11], int(first), id)
  end
  addTimeline(timeline, maxLen, 'reopened', 'falco', now, nil)
  scheduleNow(KEYS[12], KEYS[13], key, id, now)
  return reply(3, id, key)
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
if snoozedUntil > now then
  redis.call('ZADD', KEYS[12], 'NX', int(snoozedUntil), id)
else
  redis.call('ZADD', KEYS[12], 'NX', int(math.max(now, num(s[2], 0) + coalesceMs)), id)
end
return reply(2, id, key)
