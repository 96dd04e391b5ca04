/** One primary's slots and replicas, by port, as one node's CLUSTER NODES reply lists them. */
export interface ShardPorts {
  /** `[first, last]` slot ranges. */
  ranges: Array<[number, number]>;
  primary: number;
  replicas: number[];
}

/**
 * The shards in a CLUSTER NODES reply: primaries that serve slots and are not failed, with
 * their replicas that are not failed. (CLUSTER SLOTS would leave out replicas that have not
 * received a replication offset yet, which on an idle cluster takes about ten seconds.)
 */
export function parseClusterNodes(reply: string): ShardPorts[] {
  // <id> <ip:port@bus> <flags> <primary id or -> <ping> <pong> <epoch> <link> <slot>...
  const entries = reply
    .trim()
    .split('\n')
    .map((line) => {
      const [id, address, flags, primaryId, , , , , ...slots] = line.trim().split(' ');
      const port = /:(\d+)@/.exec(address ?? '')?.[1];
      if (!id || !port || !flags || !primaryId)
        throw new Error(`unexpected CLUSTER NODES line: ${line}`);
      return { id, port: Number(port), flags: flags.split(','), primaryId, slots };
    });
  const healthy = (flags: string[]): boolean => !flags.includes('fail');
  return entries
    .filter((entry) => entry.flags.includes('master') && healthy(entry.flags))
    .map((entry) => ({
      // Importing and migrating slots are listed in brackets; they belong to whoever owns them.
      ranges: entry.slots
        .filter((slot) => !slot.startsWith('['))
        .map((slot) => {
          const [first, last] = slot.split('-').map(Number);
          return [first!, last ?? first!] as [number, number];
        }),
      primary: entry.port,
      replicas: entries
        .filter((e) => e.primaryId === entry.id && e.flags.includes('slave') && healthy(e.flags))
        .map((e) => e.port),
    }))
    .filter((shard) => shard.ranges.length > 0);
}
