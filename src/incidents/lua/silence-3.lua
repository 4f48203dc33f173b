--[[
  Silences: created by a person (mute), ended by a person (unmute) or by time (expire,
  run by every replica's sweeper). A silence ends exactly once, whoever gets there first
  (its id leaves the active index atomically); the end is announced once, through the
  outbox, with what the silence swallowed.

  KEYS[1] activeSilences
  KEYS[2] silenceSeq
  KEYS[3] outboxDue

  The silence's hash is named by the id INCR hands out or the caller names, so it is
  built here from the prefix (docs/decisions/0001-keys-built-in-lua.md).

  ARGV[1] key prefix (Keys.base)
  ARGV[2] action: mute | unmute | expire
  ARGV[3] now (ms)
  ARGV[4] actor (Slack user id; 'falco' for expire)
  mute:   ARGV[5] channel to announce in, ARGV[6] matchers (JSON object), ARGV[7] ends at (ms),
          ARGV[8] reason, ARGV[9] what it matches (a description), ARGV[10] most active
          silences, ARGV[11] how long an ended silence is kept (s)
  unmute: ARGV[5] silence id, ARGV[6] how long an ended silence is kept (s)
  expire: ARGV[5] how long an ended silence is kept (s), ARGV[6] most to end in one call

  Returns
    mute:   {0, id} | {-2, 'too_many_silences', count} | {-2, 'bad_silence', why}
    unmute: {0, id, count} | {-2, 'not_muted'}
    expire: {0, id, id, ...} the silences this call ended
]]
--- @include "common"

local base = checkBase(ARGV[1], KEYS[1])
local action, now, actor = ARGV[2], tonumber(ARGV[3]), ARGV[4]

local function finish(id, by, keepSec)
  if redis.call('ZREM', KEYS[1], id) == 0 then
    return false
  end
  local key = silenceKey(base, id)
  redis.call('HSET', key, 'status', 'ended', 'endedAt', int(now), 'endedBy', by)
  redis.call('HINCRBY', key, 'version', 1)
  redis.call('EXPIRE', key, keepSec)
  redis.call('ZADD', KEYS[3], int(now), id)
  return true
end

if action == 'mute' then
  local channel, matchers, endsAt = ARGV[5], ARGV[6], tonumber(ARGV[7])
  local reason, what, maxActive, keepSec = ARGV[8], ARGV[9], tonumber(ARGV[10]), tonumber(ARGV[11])
  local ok, decoded = pcall(cjson.decode, matchers)
  if not ok or type(decoded) ~= 'table' or next(decoded) == nil then
    return {-2, 'bad_silence', 'it matches nothing'}
  end
  if not endsAt or endsAt <= now then
    return {-2, 'bad_silence', 'it must end in the future'}
  end
  local active = redis.call('ZCOUNT', KEYS[1], '(' .. int(now), '+inf')
  if active >= maxActive then
    return {-2, 'too_many_silences', int(active)}
  end
  local id = 'MUTE-' .. int(redis.call('INCR', KEYS[2]))
  local key = silenceKey(base, id)
  redis.call('HSET', key, 'id', id, 'channel', channel, 'matchers', matchers, 'endsAt', int(endsAt),
    'reason', reason, 'what', what, 'createdBy', actor, 'createdAt', int(now), 'count', '0',
    'status', 'active', 'priorityRank', '4', 'version', '1', 'renderedVersion', '0',
    'postAttempted', '0')
  -- Kept while active and a while after it ends; the index bounds how many are active.
  redis.call('PEXPIRE', key, int(endsAt - now + keepSec * 1000))
  redis.call('ZADD', KEYS[1], int(endsAt), id)
  redis.call('ZADD', KEYS[3], int(now), id)
  return {0, id}
elseif action == 'unmute' then
  local id, keepSec = ARGV[5], ARGV[6]
  local score = redis.call('ZSCORE', KEYS[1], id)
  if not score or tonumber(score) <= now then
    -- Already over (the sweeper ends it, and announces it, if it has not yet).
    return {-2, 'not_muted'}
  end
  finish(id, actor, keepSec)
  return {0, id, redis.call('HGET', silenceKey(base, id), 'count') or '0'}
elseif action == 'expire' then
  local keepSec, most = ARGV[5], tonumber(ARGV[6])
  local out = {0}
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', int(now), 'LIMIT', 0, most)) do
    if finish(id, 'falco', keepSec) then
      out[#out + 1] = id
    end
  end
  return out
end
error('unknown silence action ' .. tostring(action))
