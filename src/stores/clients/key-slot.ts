/** Number of hash slots of a Redis Cluster. */
export const SLOT_COUNT = 16_384;

// CRC16-CCITT (XModem: polynomial 0x1021, initial value 0), the checksum Redis Cluster uses.
const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    table[byte] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/**
 * The Redis Cluster hash slot of `key`, as `CLUSTER KEYSLOT` computes it: CRC16 of the key's
 * UTF-8 bytes modulo 16384, or of the text between the first `{` and the first `}` after it
 * when that text is not empty (the hash tag). Our own, so that no client package is needed to
 * group keys by slot.
 */
export function keySlot(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b);
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % SLOT_COUNT;
  }
  return crc16(bytes) % SLOT_COUNT;
}
