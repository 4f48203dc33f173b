--[[
  Moves an incident's Slack thread cursor to a timeline entry, never backwards, so a
  slow replica cannot make the thread repeat entries.

  KEYS[1] incident(id)

  ARGV[1] timeline entry id (stream id "ms-seq")

  Returns 1 if the cursor moved, 0 if not (older entry, or no such incident).
]]

local function parse(streamId)
  local ms, seq = string.match(streamId or '', '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end

if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local newMs, newSeq = parse(ARGV[1])
if not newMs then
  return redis.error_reply('ERR not a stream id: ' .. tostring(ARGV[1]))
end
local curMs, curSeq = parse(redis.call('HGET', KEYS[1], 'threadCursor') or '0-0')
if curMs and (newMs < curMs or (newMs == curMs and newSeq <= curSeq)) then
  return 0
end
redis.call('HSET', KEYS[1], 'threadCursor', ARGV[1])
return 1
