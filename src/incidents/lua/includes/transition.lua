--[[
  One person's change to one incident, shared by transition-6.lua (one incident) and
  stormAction-4.lua (every incident of a storm); pasted in after "common". Refuses (and
  changes nothing) or changes the incident, writes its timeline entry and schedules its
  message. Returns code, info: 0 done ('unchanged' when there was nothing to do),
  -1 no such incident, -2 refused (info = reason), -3 version differs.
]]

local function applyTransition(base, key, timeline, openKey, resolvedKey, outboxKey, leasesKey,
    id, action, actor, now, expected, retention, maxLen, arg1, arg2)
  if redis.call('EXISTS', key) == 0 then
    return -1, ''
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
    error('unknown incident action ' .. tostring(action))
  end
  if refusal then
    return -2, refusal
  end
  if expected ~= '' and expected ~= version then
    return -3, ''
  end
  local assigneeIndex = assigneeKey(base, assignee)

  if action == 'expand' then
    if (h[5] == '1') == (arg1 == '1') then
      return 0, 'unchanged'
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
    redis.call('ZREM', openKey, id)
    redis.call('ZADD', resolvedKey, int(now), id)
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
    redis.call('ZREM', resolvedKey, id)
    redis.call('ZADD', openKey, int(rank * PRIORITY_SPAN + firstSeen), id)
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
  scheduleNow(outboxKey, leasesKey, key, id, now)
  return 0, ''
end
