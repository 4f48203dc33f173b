--[[
  Removes an incident whose retention is over (or whose hash is already gone) from
  every index, and deletes what is left of it: nothing under the prefix names it
  afterwards. The keys named by its data (rule index, fingerprint, dedupe set, the
  channel's ready queue, its storm's lists) are found from the incident's
  hash or its refs (which outlive the hash) and built here from the key prefix, under
  the same {hash tag} as KEYS (docs/decisions/0001-keys-built-in-lua.md).

  KEYS[1] resolvedByTime
  KEYS[2] openByPriority
  KEYS[3] incident(id)
  KEYS[4] timeline(id)
  KEYS[5] messageIndex
  KEYS[6] incidentRefs
  KEYS[7] outboxDue
  KEYS[8] outboxLeases
  KEYS[9] outboxHeld

  ARGV[1] key prefix (Keys.base, ending in the {hash tag})
  ARGV[2] id
  ARGV[3] cutoff (ms): incidents resolved at or before it are purged

  Returns 1 if purged, 0 if the incident is still live (reopened, or resolved later).
  Idempotent: a second call for the same incident finds nothing and changes nothing.
]]
--- @include "common"

local base = checkBase(ARGV[1], KEYS[1])
local id, cutoff = ARGV[2], tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[3], 'status', 'resolvedAt', 'channel', 'storm')
if h[1] and (h[1] ~= 'resolved' or num(h[2], 0) > cutoff) then
  return 0
end

local refs = {}
local raw = redis.call('HGET', KEYS[6], id)
if raw then
  local ok, decoded = pcall(cjson.decode, raw)
  if ok and type(decoded) == 'table' then
    refs = decoded
  end
end
local function named(hashValue, refsValue)
  if hashValue and hashValue ~= '' then
    return hashValue
  end
  if type(refsValue) == 'string' and refsValue ~= '' then
    return refsValue
  end
  return nil
end

redis.call('DEL', KEYS[3], KEYS[4], rawAttachedKey(base, id))
redis.call('ZREM', KEYS[1], id)
redis.call('ZREM', KEYS[2], id)
redis.call('ZREM', KEYS[7], id)
redis.call('ZREM', KEYS[8], id)
if type(refs.rule) == 'string' then
  redis.call('ZREM', ruleKey(base, refs.rule), id)
end
-- A newer incident may have taken over the fingerprint; leave it (and its dedupe set) alone then.
if type(refs.fingerprint) == 'string' then
  local fpKey = fingerprintKey(base, refs.fingerprint)
  if redis.call('GET', fpKey) == id then
    redis.call('DEL', fpKey, dedupeKey(base, refs.fingerprint))
  end
end
-- Its assignee's list: resolving took it off (transition.lua), so there is nothing to do.
local channel = named(h[3], refs.channel)
if channel then
  redis.call('ZREM', readyKey(base, channel), id)
  if redis.call('HGET', KEYS[9], channel) == id then
    redis.call('HDEL', KEYS[9], channel)
  end
  -- Its repeats may be waiting for the channel's storm to end.
  local channelStorm = redis.call('GET', channelStormKey(base, channel))
  if channelStorm then
    redis.call('ZREM', stormHeldKey(base, channelStorm), id)
  end
end
local storm = named(h[4], refs.storm)
if storm then
  redis.call('ZREM', stormMembersKey(base, storm), id)
  redis.call('ZREM', stormHeldKey(base, storm), id)
end
-- cjson encodes an empty Lua table as {}, not []: ipairs handles both.
if type(refs.messages) == 'table' then
  for _, m in ipairs(refs.messages) do
    if type(m) == 'string' and redis.call('HGET', KEYS[5], m) == id then
      redis.call('HDEL', KEYS[5], m)
    end
  end
end
redis.call('HDEL', KEYS[6], id)
return 1
