--[[
  Applies one person's change to an incident, or refuses it and changes nothing.

  KEYS[1] incident(id)
  KEYS[2] timeline(id)
  KEYS[3] openByPriority
  KEYS[4] resolvedByTime
  KEYS[5] outboxDue
  KEYS[6] outboxLeases

  The assignee indexes (byAssignee of the current and of the new assignee) depend on
  what this script reads, so they are built here from the key prefix, under the same
  {hash tag} as KEYS (docs/decisions/0001-keys-built-in-lua.md).

  ARGV[1] key prefix (Keys.base, ending in the {hash tag})
  ARGV[2] id
  ARGV[3] action: acknowledge | unacknowledge | assign | unassign | resolve | reopen |
          snooze | unsnooze | expand (src/incidents/verbs.ts lists the triage verbs)
  ARGV[4] actor (Slack user id)
  ARGV[5] now (ms)
  ARGV[6] expected version, or '' for any
  ARGV[7] retention of a resolved incident (s)
  ARGV[8] timeline max length
  ARGV[9], ARGV[10] action arguments:
          assign: new assignee | resolve: reason ('' when not a valid reason), note |
          snooze: until (ms) | expand: '1' or '0'

  Returns
    {0, '', field, value, ...}          done (info 'unchanged' when there was nothing to do)
    {-1, ''}                            no such incident
    {-2, reason, field, value, ...}     refused; the incident as it is
    {-3, '', field, value, ...}         version differs from the expected one
]]
--- @include "common"
--- @include "transition"

local key, timeline = KEYS[1], KEYS[2]
local base = checkBase(ARGV[1], key)
local code, info = applyTransition(base, key, timeline, KEYS[3], KEYS[4], KEYS[5], KEYS[6],
  ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7], ARGV[8], ARGV[9] or '',
  ARGV[10] or '')
if code == -1 then
  return {-1, ''}
end
return reply(code, info, key)
