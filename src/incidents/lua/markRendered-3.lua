--[[
  Records that an item's Slack message was updated to a version (or that it already
  showed it: an update that would change nothing is not sent).

  KEYS[1] the item's hash: incident(id), storm(id) or silence(id)
  KEYS[2] outboxDue
  KEYS[3] outboxLeases

  ARGV[1] id
  ARGV[2] rendered version
  ARGV[3] now (ms)
  ARGV[4] coalesce window (ms)
  ARGV[5] hash of what the message shows now ('' to keep the stored one)
  ARGV[6] '1' when the item has more to post (thread lines): it stays due at once

  Returns 1 if the incident changed since that version (it stays in the outbox), else 0.
  A missing incident is taken off the outbox and returns 0.
]]
--- @include "common"

local key, id, now, coalesceMs = KEYS[1], ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[4])

if redis.call('EXISTS', key) == 0 then
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  return 0
end

redis.call('HSET', key, 'renderedVersion', int(num(ARGV[2], 0)), 'renderedAt', int(now))
if ARGV[5] ~= '' then
  redis.call('HSET', key, 'renderedHash', ARGV[5])
end
return settle(key, KEYS[2], KEYS[3], id, now, coalesceMs, ARGV[6])
