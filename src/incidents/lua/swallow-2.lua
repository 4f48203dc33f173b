--[[
  Counts an alert on the silence that matches it, instead of recording it: it opens
  nothing and posts nothing. Only while the silence is active at `now` (its end is exact,
  whatever the sweeper's timing); an event already counted (a retried alert) counts once,
  remembered in its fingerprint's dedupe set as recordOccurrence does (ADR 0002).

  KEYS[1] dedupe(fingerprint)
  KEYS[2] activeSilences

  ARGV[1] key prefix (Keys.base)
  ARGV[2] silence id
  ARGV[3] now (ms)
  ARGV[4] dedupe window (ms)
  ARGV[5] event tag (a short hash of the event id)
  ARGV[6] most event tags remembered per fingerprint

  Returns 1 swallowed, 2 already counted (a duplicate), 0 the silence is not active (the
  caller records the alert as usual).
]]
--- @include "common"

local base = checkBase(ARGV[1], KEYS[1])
local id, now = ARGV[2], tonumber(ARGV[3])
local endsAt = redis.call('ZSCORE', KEYS[2], id)
if not endsAt or tonumber(endsAt) <= now then
  return 0
end
local windowMs = tonumber(ARGV[4])
if isDuplicate(KEYS[1], ARGV[5], now, windowMs) then
  return 2
end
rememberEvent(KEYS[1], ARGV[5], now, windowMs, tonumber(ARGV[6]))
local key = silenceKey(base, id)
redis.call('HINCRBY', key, 'count', 1)
redis.call('HSET', key, 'lastAt', int(now))
return 1
