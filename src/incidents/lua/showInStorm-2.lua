--[[
  Someone opened a folded incident from its storm's digest: it is posted on its own, in
  the digest's thread, by the publisher (which owns every Slack write), and updated there
  from then on.

  KEYS[1] incident(id)
  KEYS[2] outboxDue

  ARGV[1] id
  ARGV[2] now (ms)

  Returns 1 when it will be posted, 2 when it already has a message (or is on its way),
  0 when there is no such incident.
]]
--- @include "common"

local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then
  return 0
end
if not inDigestOnly(key) then
  return 2
end
redis.call('HSET', key, 'show', 'thread')
redis.call('ZADD', KEYS[2], int(tonumber(ARGV[2])), ARGV[1])
return 1
