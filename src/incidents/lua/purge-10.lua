--[[
  Removes an incident whose retention is over (or whose hash is already gone) from
  every index, and deletes what is left of it.

  KEYS[1]  resolvedByTime
  KEYS[2]  openByPriority
  KEYS[3]  incident(id)
  KEYS[4]  timeline(id)
  KEYS[5]  byRule(rule)        (any key when the rule is unknown)
  KEYS[6]  fingerprint(fp)     (any key when the fingerprint is unknown)
  KEYS[7]  messageIndex
  KEYS[8]  incidentRefs
  KEYS[9]  outboxDue
  KEYS[10] outboxLeases

  ARGV[1]  id
  ARGV[2]  cutoff (ms): incidents resolved at or before it are purged
  ARGV[3]  '1' if KEYS[5] is the incident's rule index
  ARGV[4]  '1' if KEYS[6] is the incident's fingerprint key
  ARGV[5..] message index fields ("channel:ts") of the incident

  Returns 1 if purged, 0 if the incident is still live (reopened, or resolved later).
]]
--- @include "common"

local id, cutoff = ARGV[1], tonumber(ARGV[2])
local h = redis.call('HMGET', KEYS[3], 'status', 'resolvedAt')
if h[1] and (h[1] ~= 'resolved' or num(h[2], 0) > cutoff) then
  return 0
end

redis.call('DEL', KEYS[3], KEYS[4])
redis.call('ZREM', KEYS[1], id)
redis.call('ZREM', KEYS[2], id)
redis.call('ZREM', KEYS[9], id)
redis.call('ZREM', KEYS[10], id)
if ARGV[3] == '1' then
  redis.call('ZREM', KEYS[5], id)
end
-- A newer incident may have taken over the fingerprint; leave it alone then.
if ARGV[4] == '1' and redis.call('GET', KEYS[6]) == id then
  redis.call('DEL', KEYS[6])
end
for i = 5, #ARGV do
  if redis.call('HGET', KEYS[7], ARGV[i]) == id then
    redis.call('HDEL', KEYS[7], ARGV[i])
  end
end
redis.call('HDEL', KEYS[8], id)
return 1
