import type { ClientKind } from './client-kind';
import { glideKind } from './glide';
import { ioredisKind } from './ioredis';
import { nodeRedisKinds } from './node-redis';

/**
 * Every client kind lockwarden can be measured over; the first is the default. Only ioredis (the
 * default, and the peers' client) is loaded with this module; the others load on first use.
 * Loading all of them cost every worker ~0.55 s more CPU (node-redis 4 and 5 ~0.27 s each),
 * much of it while other workers were measuring; a full run on the 2-core VM went from 5.4 to
 * 4.0 minutes without it.
 */
export const CLIENT_KINDS: ReadonlyArray<ClientKind<unknown>> = [
  ioredisKind,
  ...nodeRedisKinds,
  glideKind,
];

export function clientKindByName(name: string): ClientKind<unknown> | undefined {
  return CLIENT_KINDS.find((kind) => kind.name === name);
}
