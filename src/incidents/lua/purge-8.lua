--[[
  Removes an incident whose retention is over (or whose hash is already gone) from
  every index, and deletes what is left of it. The rule index and fingerprint key are
  found from the incident's refs (which outlive its hash) and built here from the key
  prefix, under the same {hash tag} as KEYS (docs/decisions/0001-keys-built-in-lua.md).

  KEYS[1] resolvedByTime
  KEYS[2] openByPriority
  KEYS[3] incident(id)
  KEYS[4] timeline(id)
  KEYS[5] messageIndex
  KEYS[6] incidentRefs
  KEYS[7] outboxDue
  KEYS[8] outboxLeases

  ARGV[1] key prefix (Keys.base, ending in the {hash tag})
  ARGV[2] id
  ARGV[3] cutoff (ms): incidents resolved at or before it are purged

  Returns 1 if purged, 0 if the incident is still live (reopened, or resolved later).
]]
--- @include "common"

local base = checkBase(ARGV[1], KEYS[1])
local id, cutoff = ARGV[2], tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[3], 'status', 'resolvedAt')
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

redis.call('DEL', KEYS[3], KEYS[4])
redis.call('ZREM', KEYS[1], id)
redis.call('ZREM', KEYS[2], id)
redis.call('ZREM', KEYS[7], id)
redis.call('ZREM', KEYS[8], id)
if type(refs.rule) == 'string' then
  redis.call('ZREM', ruleKey(base, refs.rule), id)
end
-- A newer incident may have taken over the fingerprint; leave it alone then.
if type(refs.fingerprint) == 'string' then
  local fpKey = fingerprintKey(base, refs.fingerprint)
  if redis.call('GET', fpKey) == id then
    redis.call('DEL', fpKey)
  end
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
