--[[
  Notes that a post is about to be attempted: if it fails ambiguously, the next attempt
  looks for the message before posting again, in the channel's history from the first
  attempt on (our clock, never the alert's time, which the sender chooses).

  KEYS[1] the item's hash (incident, storm digest or silence notice)

  ARGV[1] now (ms)

  Returns 1, or 0 when the item does not exist (nothing is created).
]]

if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'postAttempted', '1')
redis.call('HSETNX', KEYS[1], 'postAttemptedAt', ARGV[1])
return 1
