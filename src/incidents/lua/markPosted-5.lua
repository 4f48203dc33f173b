--[[
  Records that an item's Slack message exists, so clicks and updates find it.

  KEYS[1] the item's hash: incident(id), storm(id) or silence(id)
  KEYS[2] outboxDue
  KEYS[3] outboxLeases
  KEYS[4] messageIndex
  KEYS[5] incidentRefs

  ARGV[1] id
  ARGV[2] channel
  ARGV[3] ts
  ARGV[4] rendered version (what the posted message shows)
  ARGV[5] now (ms)
  ARGV[6] coalesce window (ms)
  ARGV[7] hash of what the message shows (an update that would show the same is skipped)
  ARGV[8] '1' when the item has more to post (thread lines): it stays due at once
  ARGV[9] '1' to index the message (incidents: clicks and thread replies find them)

  Returns 1 if the incident changed since that version (it stays in the outbox), else 0.
  A missing incident is taken off the outbox and returns 0.
]]
--- @include "common"

local key, id, channel, ts = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local now, coalesceMs = tonumber(ARGV[5]), tonumber(ARGV[6])

if redis.call('EXISTS', key) == 0 then
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  return 0
end

local messageField = channel .. ':' .. ts
redis.call('HSET', key, 'channel', channel, 'ts', ts, 'renderedVersion', int(num(ARGV[4], 0)),
  'renderedAt', int(now), 'postAttempted', '0', 'renderedHash', ARGV[7])
redis.call('HDEL', key, 'postAttemptedAt')
if ARGV[9] ~= '1' then
  return settle(key, KEYS[2], KEYS[3], id, now, coalesceMs, ARGV[8])
end
redis.call('HSET', KEYS[4], messageField, id)

-- Remembered so the purge can remove the message index entry after the hash expires.
local raw = redis.call('HGET', KEYS[5], id)
local refs = raw and cjson.decode(raw) or {}
refs.messages = refs.messages or {}
local known = false
for _, m in ipairs(refs.messages) do
  if m == messageField then
    known = true
  end
end
if not known then
  refs.messages[#refs.messages + 1] = messageField
  redis.call('HSET', KEYS[5], id, cjson.encode(refs))
end

return settle(key, KEYS[2], KEYS[3], id, now, coalesceMs, ARGV[8])
