import { randomFillSync } from 'node:crypto';

/** Bytes of one owner token (128 random bits). */
const TOKEN_BYTES = 16;
/** Tokens drawn from one fill of the pool: one `randomFillSync` call per 256 locks, not per lock. */
const POOL_TOKENS = 256;

const pool = Buffer.alloc(TOKEN_BYTES * POOL_TOKENS);
let offset = pool.length;

/**
 * A fresh owner token: 128 bits from `node:crypto`, base64url. Bytes are drawn in batches (the
 * system call and its buffer cost more than the bytes), and each byte is handed out once.
 */
export function newOwnerToken(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + TOKEN_BYTES);
  offset += TOKEN_BYTES;
  return token;
}
