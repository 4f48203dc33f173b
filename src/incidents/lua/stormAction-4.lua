--[[
  Applies one person's verb to every incident of a storm, a chunk at a time (so a storm
  of any size never blocks Redis for long): each incident goes through the same
  transition as a click on its own message would (includes/transition.lua), refused ones
  are left alone and counted. The last chunk writes one entry on the storm's timeline
  (posted in the digest's thread) with the exact counts of every chunk.

  KEYS[1] openByPriority
  KEYS[2] resolvedByTime
  KEYS[3] outboxDue
  KEYS[4] outboxLeases

  The storm's and its incidents' keys are named by the storm id and the member ids this
  script reads, so they are built here from the prefix (docs/decisions/0001-keys-built-in-lua.md).

  ARGV[1] key prefix (Keys.base)
  ARGV[2] storm id
  ARGV[3] action: ackall | assignall | resolveall (src/incidents/verbs.ts)
  ARGV[4] actor
  ARGV[5] now (ms)
  ARGV[6] retention of a resolved incident (s)
  ARGV[7] timeline max length
  ARGV[8] arg1 (assignall: assignee | resolveall: reason), ARGV[9] arg2 (resolveall: note)
  ARGV[10] the member number to start after (0 for the first chunk)
  ARGV[11] members per chunk
  ARGV[12] changed so far, ARGV[13] refused so far (from the earlier chunks)

  Returns {0, next cursor ('' when done), changed, refused}, or {-1, ''} when the storm
  is gone, or {-2, reason} when the verb is refused for the whole storm.
]]
--- @include "common"
--- @include "transition"

local base = checkBase(ARGV[1], KEYS[1])
local id, action, actor, now = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local retention, maxLen, arg1, arg2 = ARGV[6], ARGV[7], ARGV[8] or '', ARGV[9] or ''
local after, chunk = tonumber(ARGV[10]), tonumber(ARGV[11])
local changed, refused = tonumber(ARGV[12]), tonumber(ARGV[13])

local per
if action == 'ackall' then
  per = 'acknowledge'
elseif action == 'assignall' then
  per = 'assign'
  if arg1 == '' then
    return {-2, 'bad_assignee'}
  end
elseif action == 'resolveall' then
  per = 'resolve'
  if arg1 == '' then
    return {-2, 'bad_reason'}
  end
else
  error('unknown storm action ' .. tostring(action))
end

local skey = stormKey(base, id)
if redis.call('EXISTS', skey) == 0 then
  return {-1, ''}
end

local ids = redis.call('ZRANGEBYSCORE', stormMembersKey(base, id), '(' .. int(after), '+inf',
  'WITHSCORES', 'LIMIT', 0, chunk)
local last = after
for i = 1, #ids, 2 do
  local mid = ids[i]
  last = tonumber(ids[i + 1])
  local code = applyTransition(base, incidentKey(base, mid), timelineKey(base, mid), KEYS[1],
    KEYS[2], KEYS[3], KEYS[4], mid, per, actor, now, '', retention, maxLen, arg1, arg2)
  if code == 0 then
    changed = changed + 1
  else
    refused = refused + 1
  end
end

if #ids < chunk * 2 then
  local detail = {'changed', int(changed), 'refused', int(refused)}
  if action == 'assignall' then
    detail[#detail + 1], detail[#detail + 2] = 'assignee', arg1
  elseif action == 'resolveall' then
    detail[#detail + 1], detail[#detail + 2] = 'reason', arg1
    if arg2 ~= '' then
      detail[#detail + 1], detail[#detail + 2] = 'note', arg2
    end
  end
  local kind = 'storm_acknowledged'
  if action == 'assignall' then
    kind = 'storm_assigned'
  elseif action == 'resolveall' then
    kind = 'storm_resolved'
  end
  addTimeline(stormTimelineKey(base, id), 1000, kind, actor, now, detail)
  redis.call('ZADD', KEYS[3], 'LT', int(now), id)
  return {0, '', changed, refused}
end
return {0, int(last), changed, refused}
