-- One budget shared through Redis: the GCRA with first-come-first-served reservations, bursts,
-- pauses, released slots and re-seeding (the arithmetic of bucket.rs), atomically, on the
-- server's clock made monotonic. Times are microseconds.
--
-- KEYS[1]  the bucket's hash: last (latest slot handed out), ring (the latest grants, comma
--          separated, kept with a burst), shift (how far pauses moved the slots handed out, in
--          all), pause (no slot before this, and the slots handed out moved past it), floor (no
--          new slot before this; the slots handed out stay), holes (slots given back, comma
--          separated), skew (added to TIME to make the schedule's clock), seen (the latest
--          schedule time the script ran at), p:<process> (when that process's presence ends)
-- ARGV[1]  period: microseconds between two slots
-- ARGV[2]  max wait: refuse a slot further away than this; -1 to reserve nothing
-- ARGV[3]  pause until (schedule time); 0 for none
-- ARGV[4]  after: a slot of the caller's own the next slot must follow by a period; 0 for none
-- ARGV[5]  grace: how long the hash outlives its last slot or pause
-- ARGV[6]  floor until (schedule time): no new slot before then, without moving the slots
--          handed out (a full window, which every answer at the limit reports); 0 for none
-- ARGV[7]  max pause: no pause or floor further than this from now; 0 for no cap
-- ARGV[8]  seed: the latest slot the caller holds; the bucket's latest slot is at least this
--          (re-seeds a bucket lost to FLUSHALL, a restart, eviction or a failover); 0 for none
-- ARGV[9]  expect: the caller's estimate of the schedule time now (from earlier answers); a
--          clock further than a second from it has jumped, and the schedule keeps to the
--          caller's; 0 for none
-- ARGV[10] process: the caller's presence name; empty for none
-- ARGV[11] presence: how long the caller's presence lasts
-- ARGV[12] burst: up to this many slots at once after idle (1 for none)
-- ARGV[13] rate: slots in any window of rate periods (the team's rate per second)
-- ARGV[14] releases: slots given back (schedule time, comma separated; empty for none)
-- ARGV[15] returning: the caller is on its local budget and found Redis back; the return ends
--          this long after the first such caller's (every process keeps to its local budget
--          until then, and no shared slot comes before it); 0 for none
--
-- ARGV[16] seed if lost: where the caller estimates the bucket's latest slot is now (its seed,
--          and the slots others may have taken since it heard of it); replaces the seed when
--          the bucket is gone while the caller holds or knows of slots still to come (state
--          lost: the hash outlives its slots and presences otherwise); 0 for none
--
-- Returns {granted (1 or 0), slot, now, shift, pause, processes, back, last}: the slot is the
-- one handed out, or the one refused (nothing is used up by a refusal); processes counts the
-- presences; back is when the current return to Redis ends (0 for none); last is the
-- bucket's latest slot, whoever holds it (0 for none).
--
-- Every number read is clamped: Lua numbers are doubles, and an answer's Retry-After of
-- 2^64 - 1 must not become a pause of half a million years nor a number Redis cannot return.
--
-- Only commands Redis and Valkey share since Redis 4: TIME, HGETALL, HSET, HDEL, PEXPIRE.

if redis.replicate_commands then
  -- Redis before 5 replicates scripts verbatim unless told otherwise, and then refuses a
  -- write after TIME; later versions always replicate effects.
  redis.replicate_commands()
end

-- Far beyond any schedule time (about 140 years), well within the doubles' exact integers.
local TOP = 4503599627370496
-- How far the clock may be from a caller's estimate before it counts as a jump.
local JUMP = 1000000
-- At most this many holes are kept (the latest go unused beyond it).
local MAX_HOLES = 64

local function clamp(value, low, high)
  if value ~= value then
    return low
  end
  return math.min(math.max(value, low), high)
end

local function num(text, low)
  return clamp(math.floor(tonumber(text) or 0), low, TOP)
end

local function list(text)
  local items = {}
  if text then
    for item in string.gmatch(text, '[^,]+') do
      local value = tonumber(item)
      if value and value == value then
        items[#items + 1] = clamp(math.floor(value), 0, TOP)
      end
    end
  end
  return items
end

local digits = '%.0f'
local function joined(items)
  local texts = {}
  for i = 1, #items do
    texts[i] = string.format(digits, items[i])
  end
  return table.concat(texts, ',')
end

local period = math.max(num(ARGV[1], 0), 1)
local max_wait = clamp(math.floor(tonumber(ARGV[2]) or -1), -1, TOP)
local pause_until = num(ARGV[3], 0)
local after = num(ARGV[4], 0)
local grace = num(ARGV[5], 0)
local floor_until = num(ARGV[6], 0)
local max_pause = num(ARGV[7], 0)
local seed = num(ARGV[8], 0)
local expect = num(ARGV[9], 0)
local process = ARGV[10] or ''
local presence = num(ARGV[11], 0)
local burst = clamp(num(ARGV[12], 1), 1, 100000)
local rate = clamp(num(ARGV[13], 1), 1, 100000)
local releases = list(ARGV[14])
local returning = num(ARGV[15], 0)
local seed_if_lost = num(ARGV[16], 0)

local fields = redis.call('HGETALL', KEYS[1])
local state = {}
for i = 1, #fields, 2 do
  state[fields[i]] = fields[i + 1]
end

local time = redis.call('TIME')
local clock = tonumber(time[1]) * 1000000 + tonumber(time[2])
local skew = clamp(tonumber(state.skew) or 0, -TOP, TOP)
local seen = state.seen and num(state.seen, 0)
local now = clock + skew
local changed = false

-- The clock: a caller's estimate far from it means TIME jumped (forward or back); the
-- schedule keeps to the callers' time. It never runs backwards either.
if expect > 0 and math.abs(now - expect) > JUMP then
  now = expect
  changed = true
end
if seen and now < seen then
  now = seen
  changed = true
end
now = clamp(now, 0, TOP)
skew = now - clock

local last = state.last and num(state.last, 0)
local ring = list(state.ring)
local shift = num(state.shift, 0)
local pause = num(state.pause, 0)
local floor = num(state.floor, 0)
local holes = list(state.holes)
local back = num(state.back, 0)
if returning > 0 and back + returning < now then
  -- The first process back after an outage: the return ends for all at one time.
  back = now + returning
  changed = true
end
if back > now then
  floor = math.max(floor, back)
end

-- The cap: no pause nor floor, stored or asked for, further than max pause from now.
local cap = TOP
if max_pause > 0 then
  cap = now + max_pause
end
if pause > cap then
  pause = cap
  changed = true
end
if floor > cap then
  floor = cap
  changed = true
end
pause_until = math.min(pause_until, cap)
floor_until = math.min(floor_until, cap)

if floor_until > now and floor_until > floor then
  floor = floor_until
  changed = true
end

if pause_until > now and pause_until > pause then
  if last and last >= now then
    -- The slot just due counts as still to come: its caller may not have gone yet. A pause
    -- still running moved them past its end already: a second pause moves them on by the
    -- difference between the two, not by all of it again.
    local first_to_come = last - period * math.ceil((last - now) / period)
    if pause > now and pause > first_to_come then
      first_to_come = math.min(pause, last)
    end
    if pause_until > first_to_come then
      local moved = pause_until - first_to_come
      shift = math.min(shift + moved, TOP)
      last = math.min(last + moved, TOP)
      for i = 1, #ring do
        if ring[i] >= first_to_come then
          ring[i] = math.min(ring[i] + moved, TOP)
        end
      end
      for i = 1, #holes do
        holes[i] = math.min(holes[i] + moved, TOP)
      end
    end
  end
  pause = pause_until
  changed = true
end

-- Re-seeding: no slot before one a caller already holds or heard of (after the pause: a
-- caller's slot has moved with it already). A bucket gone while the caller knows of slots
-- still to come was lost, with the slots taken since the caller last heard from it.
if #fields == 0 and seed > now and seed_if_lost > seed then
  seed = seed_if_lost
end
if seed > 0 and (not last or seed > last) then
  last = seed
  if burst > 1 then
    ring[#ring + 1] = seed
  end
  changed = true
end

-- Slots given back: holes the next reservations take first.
for i = 1, #releases do
  local slot = releases[i]
  if slot >= now and last and slot <= last then
    holes[#holes + 1] = slot
    changed = true
  end
end
table.sort(holes)
local kept = {}
for i = 1, #holes do
  if holes[i] >= now and holes[i] ~= kept[#kept] and #kept < MAX_HOLES then
    kept[#kept + 1] = holes[i]
  end
end
if #kept ~= #holes then
  changed = true
end
holes = kept

local granted = 0
local slot = 0
if max_wait >= 0 then
  local earliest = math.max(now, pause, floor)
  if after > 0 then
    earliest = math.max(earliest, after + period)
  end
  -- A hole first: a slot given back, already spaced from the others.
  for i = 1, #holes do
    if holes[i] >= earliest then
      if holes[i] - now <= max_wait then
        granted = 1
        slot = holes[i]
        table.remove(holes, i)
        changed = true
      end
      break
    end
  end
  if granted == 0 then
    slot = earliest
    if last then
      if burst > 1 then
        slot = math.max(slot, last)
        if #ring >= burst then
          slot = math.max(slot, ring[#ring - burst + 1] + burst * period)
        end
        if #ring >= rate then
          slot = math.max(slot, ring[#ring - rate + 1] + rate * period)
        end
      else
        slot = math.max(slot, last + period)
      end
    end
    slot = clamp(slot, 0, TOP)
    if slot - now <= max_wait then
      granted = 1
      last = slot
      if burst > 1 then
        ring[#ring + 1] = slot
        local keep = math.max(burst, rate)
        while #ring > keep do
          table.remove(ring, 1)
        end
      end
      changed = true
    end
  end
end

-- Presence: who shares the bucket, to split the budget when Redis goes away.
local processes = 0
local ends = math.max(last or now, pause, floor)
if process ~= '' and presence > 0 then
  state['p:' .. process] = string.format(digits, now + presence)
  redis.call('HSET', KEYS[1], 'p:' .. process, state['p:' .. process])
end
for name, value in pairs(state) do
  if string.sub(name, 1, 2) == 'p:' then
    local until_ = num(value, 0)
    if until_ > now then
      processes = processes + 1
      ends = math.max(ends, until_)
    else
      redis.call('HDEL', KEYS[1], name)
    end
  end
end

if changed or process ~= '' or (#fields > 0 and now ~= seen) then
  redis.call('HSET', KEYS[1], 'shift', string.format(digits, shift),
    'pause', string.format(digits, pause), 'floor', string.format(digits, floor),
    'skew', string.format(digits, skew), 'seen', string.format(digits, now),
    'holes', joined(holes), 'back', string.format(digits, back))
  if last then
    redis.call('HSET', KEYS[1], 'last', string.format(digits, last))
  end
  if burst > 1 then
    redis.call('HSET', KEYS[1], 'ring', joined(ring))
  end
  redis.call('PEXPIRE', KEYS[1], string.format(digits, math.ceil((ends - now + grace) / 1000)))
end

if back <= now then
  back = 0
end
return {granted, slot, now, shift, pause, processes, back, last or 0}
