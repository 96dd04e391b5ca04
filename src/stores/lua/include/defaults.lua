-- Defaults of the arguments a caller may leave out (RedisLockStore leaves out trailing ones
-- equal to them, so the usual call is shorter). They equal DEFAULT_FENCE_GRACE and
-- DEFAULT_WAITER_TTL of lock-store.ts; a unit test holds them equal.
local DEFAULT_FENCE_GRACE = 60000
local DEFAULT_WAITER_TTL = 2000
