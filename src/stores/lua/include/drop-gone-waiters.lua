-- Drop queued waiters that stopped refreshing (their process died): those whose deadline in
-- `deadlines` is at or before `nowMs`, at most 16 per call, so a call's cost stays bounded
-- however long the queue is. Their grant records in `waiting` go with them.
local function dropGoneWaiters(queue, deadlines, waiting, nowMs)
  local gone = redis.call('ZRANGEBYSCORE', deadlines, '-inf', nowMs, 'LIMIT', 0, 16)
  if #gone > 0 then
    redis.call('ZREM', deadlines, unpack(gone))
    redis.call('ZREM', queue, unpack(gone))
    redis.call('HDEL', waiting, unpack(gone))
  end
end
