-- Grant the free `lock` to the head of its queue, in the same call that freed it: the head's
-- grant record in `waiting` ("<ttl> <channel id> <metadata>", written by acquire.lua when it
-- queued; the id may be empty, and starts with '~' when the waiter may be overtaken) says for
-- how long, with what metadata, and which store hears the grant; its ticket is kept in the lock
-- (t) for its acquire.lua.
-- With `prefer` (a release's successor: the releasing process's next waiter), that waiter is
-- granted instead of the head when it is queued and live and only waiters that may be overtaken
-- (default mode's registered heads, '~') are ahead of it: a fair waiter is never overtaken.
-- Dead waiters (deadline passed) are swept first, and a head whose own deadline has passed is
-- dropped even past the sweep's limit, so the usual case never grants to the dead. Returns the
-- message to publish on the release channel:
--   '<token> <fence> <server ms> <ticket> <ttl>' when the lock was granted to <token> (the
--   message IS the grant) for <ttl> ms: the waiter's own ttl, or less when the waiter would have
--   left the queue sooner (its deadline), so a grant to a waiter that died unnoticed lasts no
--   longer than its place in the queue would have; the holder extends it to its own ttl,
--   '<token>' when the head has no grant record (queued by an older version) or its place lapses
--   in under 250 ms: woken, it tries,
--   ''        when nobody is queued;
-- and, for a grant, the channel id of the waiter's store ('' if it named none; see announce).
--- @include "include/clock"
--- @include "include/drop-gone-waiters"
--- @include "include/take-lock"
-- Whether `prefer` may be granted ahead of the queue: queued, its place good for 250 ms more,
-- with a grant record, and at most 16 waiters ahead of it, each of which may be overtaken.
-- Returns its deadline, ticket and record, or nil. Three calls: the first 17 places with their
-- tickets, the deadline, and the records of everyone up to it.
local function preferred(queue, deadlines, waiting, prefer, nowMs)
  local places = redis.call('ZRANGE', queue, 0, 16, 'WITHSCORES')
  local names, ticket = {}, nil
  for i = 1, #places, 2 do
    names[#names + 1] = places[i]
    if places[i] == prefer then
      ticket = places[i + 1]
      break
    end
  end
  if not ticket then
    return nil
  end
  local deadline = tonumber(redis.call('ZSCORE', deadlines, prefer))
  if not deadline or deadline - nowMs < 250 then
    return nil
  end
  local records = redis.call('HMGET', waiting, unpack(names))
  local record = records[#names]
  if not record then
    return nil
  end
  for i = 1, #names - 1 do
    local r = records[i]
    if not r then
      return nil
    end
    local space = string.find(r, ' ', 1, true)
    if string.sub(r, space + 1, space + 1) ~= '~' then
      return nil
    end
  end
  return deadline, ticket, record
end

local function grantHead(lock, fenceKey, queue, deadlines, waiting, fenceGrace, prefer)
  local nowUs, nowMs = serverTime()
  dropGoneWaiters(queue, deadlines, waiting, nowMs)
  -- Take the lock for `head` per its grant `record`; returns the message and its channel id.
  local function grantTo(head, deadline, ticket, record)
    redis.call('ZREM', queue, head)
    redis.call('ZREM', deadlines, head)
    redis.call('HDEL', waiting, head)
    local space = string.find(record, ' ', 1, true)
    local second = string.find(record, ' ', space + 1, true)
    local ttl = math.min(tonumber(string.sub(record, 1, space - 1)), deadline - nowMs)
    local fence = takeLock(lock, fenceKey, head, ttl, string.sub(record, second + 1),
      fenceGrace, nowUs, ticket)
    local message = head .. ' ' .. string.format('%.0f', fence) .. ' '
      .. string.format('%.3f', nowUs / 1000) .. ' ' .. ticket .. ' ' .. string.format('%.0f', ttl)
    local to = string.sub(record, space + 1, second - 1)
    if string.sub(to, 1, 1) == '~' then
      to = string.sub(to, 2)
    end
    return message, to
  end
  if prefer and prefer ~= '' then
    local deadline, ticket, record = preferred(queue, deadlines, waiting, prefer, nowMs)
    if deadline then
      return grantTo(prefer, deadline, ticket, record)
    end
  end
  for _ = 1, 16 do
    local first = redis.call('ZRANGE', queue, 0, 0, 'WITHSCORES')
    local head = first[1]
    if not head then
      return ''
    end
    local deadline = tonumber(redis.call('ZSCORE', deadlines, head))
    local record = nil
    if deadline and deadline > nowMs then
      record = redis.call('HGET', waiting, head)
      -- No record (queued by an older version), or its place lapses in under 250 ms (it has not
      -- refreshed for a while): woken, it tries, and holds whatever it takes for its full ttl.
      if not record or deadline - nowMs < 250 then
        return head
      end
      return grantTo(head, deadline, first[2], record)
    end
    redis.call('ZREM', queue, head)
    redis.call('ZREM', deadlines, head)
    redis.call('HDEL', waiting, head)
  end
  return ''
end

-- Publish a release's `message` (from grantHead, or '') with `mode` ('sharded': SPUBLISH). A grant
-- whose waiter named its store's channel id (`to`) goes only to that store's own channel of the
-- lock (`channel` .. ':' .. id), so the other processes that wait on the lock are not woken for
-- it; to nobody when that store is the caller (`own`), whose reply carries the message. Anything
-- else goes to `channel`, where every waiting store listens. Returns whether the caller's store
-- may be the one to hear it (false when it went to another store's channel).
local function announce(channel, message, to, own, mode)
  local named = to ~= nil and to ~= ''
  if named and to == own then
    return true
  end
  if named then
    channel = channel .. ':' .. to
  end
  redis.call(mode == 'sharded' and 'SPUBLISH' or 'PUBLISH', channel, message)
  return not named
end
