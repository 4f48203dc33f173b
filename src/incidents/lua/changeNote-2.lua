--[[
  A note someone wrote in an incident's thread was edited or deleted in Slack: its
  timeline entry is removed, and for an edit an entry with the new text takes its place
  at the end of the timeline, so the record keeps what was said last and never words
  their author took back. Messages that were never recorded as notes are left alone.

  KEYS[1] incident(id)
  KEYS[2] timeline(id)

  ARGV[1] actor (Slack user id of who edited or deleted)
  ARGV[2] now (ms)
  ARGV[3] timeline max length
  ARGV[4] the Slack message ts of the note
  ARGV[5] 'edit' | 'delete'
  ARGV[6] the new text (edit)
  ARGV[7] the edit's ts (edit; a redelivered or older edit is ignored)

  Returns the new timeline entry id, or 0 if nothing changed (no such incident, not a
  recorded note, already deleted, or an edit already applied).
]]
--- @include "common"

local key, timeline = KEYS[1], KEYS[2]
local actor, now, maxLen = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local ts, mode, text, editedTs = ARGV[4], ARGV[5], ARGV[6], ARGV[7]

if redis.call('EXISTS', key) == 0 then
  return 0
end
-- note:<ts> holds "<timeline entry id> <ts of the last edit applied>" (addNote writes it).
local field = 'note:' .. ts
local current = redis.call('HGET', key, field)
if not current or current == 'deleted' then
  return 0
end
local entryId, lastEdit = string.match(current, '^(%S+)%s*(%S*)$')
if mode == 'edit' then
  if lastEdit ~= '' and tonumber(lastEdit) and tonumber(editedTs) and
      tonumber(editedTs) <= tonumber(lastEdit) then
    return 0
  end
elseif mode ~= 'delete' then
  return redis.error_reply('ERR changeNote mode must be edit or delete, not ' .. tostring(mode))
end

flushBurst(key, timeline, maxLen, now)
if entryId and entryId ~= '1' then
  redis.call('XDEL', timeline, entryId)
end
if mode == 'delete' then
  redis.call('HSET', key, field, 'deleted')
  return addTimeline(timeline, maxLen, 'note_deleted', actor, now, {'ts', ts})
end
local newId = addTimeline(timeline, maxLen, 'note_edited', actor, now, {'text', text, 'ts', ts})
redis.call('HSET', key, field, newId .. ' ' .. editedTs)
return newId
