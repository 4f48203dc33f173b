--[[
  Notes that a post is about to be attempted: if it fails ambiguously, the next attempt
  looks for the message before posting again.

  KEYS[1] incident(id)

  ARGV    none

  Returns 1, or 0 when the incident does not exist (nothing is created).
]]

if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'postAttempted', '1')
return 1
