--[[
  Applies one person's change to an incident, or refuses it and changes nothing.

  KEYS[1] incident(id)
  KEYS[2] timeline(id)
  KEYS[3] openByPriority
  KEYS[4] resolvedByTime
  KEYS[5] outboxDue
  KEYS[6] outboxLeases

  The assignee indexes (byAssignee of the current and of the new assignee) depend on
  what this script reads, so they are built here from the key prefix, under the same
  {hash tag} as KEYS (docs/decisions/0001-keys-built-in-lua.md).

  ARGV[1] key prefix (Keys.base, ending in the {hash tag})
  ARGV[2] id
  ARGV[3] action: acknowledge | unacknowledge | assign | unassign | resolve | reopen |
          snooze | unsnooze | expand (src/incidents/verbs.ts lists the triage verbs)
  ARGV[4] actor (Slack user id)
  ARGV[5] now (ms)
  ARGV[6] expected version, or '' for any
  ARGV[7] retention of a resolved incident (s)
  ARGV[8] timeline max length
  ARGV[9], ARGV[10] action arguments:
          assign: new assignee | resolve: reason ('' when not a valid reason), note |
          snooze: until (ms) | expand: '1' or '0'

  Returns
    {0, '', field, value, ...}          done (info 'unchanged' when there was nothing to do)
    {-1, ''}                            no such incident
    {-2, reason, field, value, ...}     refused; the incident as it is
    {-3, '', field, value, ...}         version differs from the expected one
]]
--- @include "common"

local key, timeline = KEYS[1], KEYS[2]
local base = checkBase(ARGV[1], key)
local id, action, actor, now = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local expected, retention, maxLen = ARGV[6], ARGV[7], ARGV[8]
local arg1, arg2 = ARGV[9] or '', ARGV[10] or ''

if redis.call('EXISTS', key) == 0 then
  return {-1, ''}
end

local h = redis.call('HMGET', key, 'status', 'assignee', 'snoozedUntil', 'version',
  'expanded', 'firstSeen', 'priorityRank')
local status, assignee, snoozedUntil, version = h[1], h[2] or '', num(h[3], 0), h[4]
local firstSeen, rank = num(h[6], 0), num(h[7], 0)

local refusal
if action == 'acknowledge' then
  if status == 'acknowledged' then refusal = 'already_acknowledged'
  elseif status == 'resolved' then refusal = 'resolved' end
elseif action == 'unacknowledge' then
  if status == 'open' then refusal = 'not_acknowledged'
  elseif status == 'resolved' then refusal = 'resolved' end
elseif action == 'assign' then
  if status == 'resolved' then refusal = 'resolved'
  elseif arg1 == '' then refusal = 'bad_assignee'
  elseif arg1 == assignee then refusal = 'already_assigned' end
elseif action == 'unassign' then
  if status == 'resolved' then refusal = 'resolved'
  elseif assignee == '' then refusal = 'not_assigned' end
elseif action == 'resolve' then
  if status == 'resolved' then refusal = 'already_resolved'
  elseif arg1 == '' then refusal = 'bad_reason' end
elseif action == 'reopen' then
  if status ~= 'resolved' then refusal = 'not_resolved' end
elseif action == 'snooze' then
  if status == 'resolved' then refusal = 'resolved'
  elseif num(arg1, 0) <= now then refusal = 'snooze_in_past' end
elseif action == 'unsnooze' then
  if snoozedUntil <= now then refusal = 'not_snoozed' end
elseif action ~= 'expand' then
  return redis.error_reply('ERR unknown incident action ' .. action)
end
if refusal then
  return reply(-2, refusal, key)
end
if expected ~= '' and expected ~= version then
  return reply(-3, '', key)
end
local assigneeIndex = assigneeKey(base, assignee)

if action == 'expand' then
  if (h[5] == '1') == (arg1 == '1') then
    return reply(0, 'unchanged', key)
  end
  redis.call('HSET', key, 'expanded', arg1 == '1' and '1' or '0')
else
  flushBurst(key, timeline, maxLen, now)
end

if action == 'acknowledge' then
  redis.call('HSET', key, 'status', 'acknowledged', 'acknowledgedBy', actor, 'acknowledgedAt', int(now))
  addTimeline(timeline, maxLen, 'acknowledged', actor, now, nil)
elseif action == 'unacknowledge' then
  redis.call('HSET', key, 'status', 'open')
  redis.call('HDEL', key, 'acknowledgedBy', 'acknowledgedAt')
  addTimeline(timeline, maxLen, 'unacknowledged', actor, now, nil)
elseif action == 'assign' then
  if assignee ~= '' then
    redis.call('ZREM', assigneeIndex, id)
  end
  redis.call('HSET', key, 'assignee', arg1)
  redis.call('ZADD', assigneeKey(base, arg1), int(firstSeen), id)
  local detail = {'assignee', arg1}
  if assignee ~= '' then
    detail[3], detail[4] = 'previous', assignee
  end
  addTimeline(timeline, maxLen, 'assigned', actor, now, detail)
elseif action == 'unassign' then
  redis.call('ZREM', assigneeIndex, id)
  redis.call('HDEL', key, 'assignee')
  addTimeline(timeline, maxLen, 'unassigned', actor, now, {'previous', assignee})
elseif action == 'resolve' then
  redis.call('HSET', key, 'status', 'resolved', 'resolvedBy', actor, 'resolvedAt', int(now), 'resolution', arg1)
  if arg2 ~= '' then
    redis.call('HSET', key, 'resolutionNote', arg2)
  else
    redis.call('HDEL', key, 'resolutionNote')
  end
  redis.call('HDEL', key, 'snoozedUntil')
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZADD', KEYS[4], int(now), id)
  if assignee ~= '' then
    redis.call('ZREM', assigneeIndex, id)
  end
  local detail = {'reason', arg1}
  if arg2 ~= '' then
    detail[3], detail[4] = 'note', arg2
  end
  addTimeline(timeline, maxLen, 'resolved', actor, now, detail)
  redis.call('EXPIRE', key, retention)
  redis.call('EXPIRE', timeline, retention)
elseif action == 'reopen' then
  redis.call('HSET', key, 'status', 'open')
  redis.call('HDEL', key, 'resolvedBy', 'resolvedAt', 'resolution', 'resolutionNote',
    'acknowledgedBy', 'acknowledgedAt')
  redis.call('PERSIST', key)
  redis.call('PERSIST', timeline)
  redis.call('ZREM', KEYS[4], id)
  redis.call('ZADD', KEYS[3], int(rank * PRIORITY_SPAN + firstSeen), id)
  if assignee ~= '' then
    redis.call('ZADD', assigneeIndex, int(firstSeen), id)
  end
  addTimeline(timeline, maxLen, 'reopened', actor, now, nil)
elseif action == 'snooze' then
  redis.call('HSET', key, 'snoozedUntil', int(num(arg1, 0)))
  addTimeline(timeline, maxLen, 'snoozed', actor, now, {'until', int(num(arg1, 0))})
elseif action == 'unsnooze' then
  redis.call('HDEL', key, 'snoozedUntil')
  addTimeline(timeline, maxLen, 'unsnoozed', actor, now, nil)
end

redis.call('HINCRBY', key, 'version', 1)
scheduleNow(KEYS[5], KEYS[6], key, id, now)
return reply(0, '', key)
