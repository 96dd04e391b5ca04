-- The server's version, to choose sharded pub/sub (SPUBLISH/SSUBSCRIBE need Redis >= 7).
-- KEYS[1] none: the script reads no key (it runs on whichever node the client picks)
-- ARGV none
-- Returns redis.REDIS_VERSION_NUM (0x070000 for 7.0.0), or 0 on servers before 7, which lack it.
return redis.REDIS_VERSION_NUM or 0
