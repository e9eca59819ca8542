-- One budget shared through Redis: the GCRA with first-come-first-served reservations and pauses
-- (the arithmetic of bucket.rs), atomically, on the server's clock. Times are microseconds.
--
-- KEYS[1]  the bucket's hash: last (latest slot handed out), shift (how far pauses moved the
--          slots handed out, in all), pause (no slot before this, and the slots handed out
--          moved past it), floor (no new slot before this; the slots handed out stay)
-- ARGV[1]  period: microseconds between two slots
-- ARGV[2]  max wait: refuse a slot further away than this; -1 to reserve nothing
-- ARGV[3]  pause until (server time); 0 for none
-- ARGV[4]  after: a slot of the caller's own (server time) the next slot must follow by a
--          period; 0 for none
-- ARGV[5]  grace: how long the hash outlives its last slot or pause
-- ARGV[6]  floor until (server time): no new slot before then, without moving the slots
--          handed out (a full window, which every answer at the limit reports); 0 for none
--
-- Returns {granted (1 or 0), slot, now, shift, pause}: the slot is the one handed out, or the
-- one refused; nothing is used up by a refusal.
--
-- The floor is the one thing bucket.rs does not have: on the local budget a full window is a
-- pause like a 429, as in the in-memory limiter.
--
-- Only commands Redis and Valkey share since Redis 4: TIME, HMGET, HSET, PEXPIRE.

if redis.replicate_commands then
  -- Redis before 5 replicates scripts verbatim unless told otherwise, and then refuses a
  -- write after TIME; later versions always replicate effects.
  redis.replicate_commands()
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local period = tonumber(ARGV[1])
local max_wait = tonumber(ARGV[2])
local pause_until = tonumber(ARGV[3])
local after = tonumber(ARGV[4])
local grace = tonumber(ARGV[5])
local floor_until = tonumber(ARGV[6])

local state = redis.call('HMGET', KEYS[1], 'last', 'shift', 'pause', 'floor')
local last = tonumber(state[1])
local shift = tonumber(state[2]) or 0
local pause = tonumber(state[3]) or 0
local floor = tonumber(state[4]) or 0
local changed = false

if floor_until > now and floor_until > floor then
  floor = floor_until
  changed = true
end

if pause_until > now and pause_until > pause then
  if last and last >= now then
    -- The slot just due counts as still to come: its caller may not have gone yet.
    local first_to_come = last - period * math.ceil((last - now) / period)
    if pause_until > first_to_come then
      local moved = pause_until - first_to_come
      shift = shift + moved
      last = last + moved
    end
  end
  pause = pause_until
  changed = true
end

local granted = 0
local slot = 0
if max_wait >= 0 then
  slot = math.max(now, pause, floor)
  if last then
    slot = math.max(slot, last + period)
  end
  if after > 0 then
    slot = math.max(slot, after + period)
  end
  if slot - now <= max_wait then
    granted = 1
    last = slot
    changed = true
  end
end

if changed then
  -- Integers as digits: a number passed as is may be written in exponent form.
  local digits = '%.0f'
  redis.call('HSET', KEYS[1], 'shift', string.format(digits, shift),
    'pause', string.format(digits, pause), 'floor', string.format(digits, floor))
  if last then
    redis.call('HSET', KEYS[1], 'last', string.format(digits, last))
  end
  local ends = math.max(last or now, pause, floor)
  redis.call('PEXPIRE', KEYS[1], string.format(digits, math.ceil((ends - now + grace) / 1000)))
end

return {granted, slot, now, shift, pause}
