--[[
  Releases a claimed outbox item to be retried later (Slack back-off).

  KEYS[1] outboxDue
  KEYS[2] outboxLeases

  ARGV[1] id
  ARGV[2] when it is due again (ms)

  Returns 1 if the item was in the outbox, 0 if it was not (it is not added).
]]

redis.call('ZREM', KEYS[2], ARGV[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', ARGV[2], ARGV[1])
return 1
