--[[
  Records a message people wrote in an incident's Slack thread on its timeline, so the
  timeline (and its export) is the whole record: what Falco saw, what people did and
  what they said. Notes change no state and no version: the message needs no update.

  KEYS[1] incident(id)
  KEYS[2] timeline(id)

  ARGV[1] actor (Slack user id)
  ARGV[2] now (ms)
  ARGV[3] timeline max length
  ARGV[4] text
  ARGV[5] the Slack message ts (a redelivered event is recorded once)

  Returns the timeline entry id, or 0 if there is no such incident or the message was
  already recorded.
]]
--- @include "common"

local key, timeline = KEYS[1], KEYS[2]
local now, maxLen = tonumber(ARGV[2]), tonumber(ARGV[3])

if redis.call('EXISTS', key) == 0 then
  return 0
end
-- Slack redelivers an event it thinks we missed; the message ts identifies it. The
-- field keeps the entry id, so an edit or deletion of the message can replace it
-- (changeNote-2.lua); it goes when the incident's hash does.
local field = 'note:' .. ARGV[5]
if redis.call('HEXISTS', key, field) == 1 then
  return 0
end
flushBurst(key, timeline, maxLen, now)
local entryId = addTimeline(timeline, maxLen, 'note', ARGV[1], now, {'text', ARGV[4], 'ts', ARGV[5]})
redis.call('HSET', key, field, entryId)
return entryId
