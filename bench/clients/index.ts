import type { ClientKind } from './client-kind';
import { glideKind } from './glide';
import { ioredisKind } from './ioredis';
import { nodeRedisKinds } from './node-redis';

/** Every client kind lockwarden can be measured over; the first is the default. */
export const CLIENT_KINDS: ReadonlyArray<ClientKind<unknown>> = [
  ioredisKind,
  ...nodeRedisKinds,
  glideKind,
];

export function clientKindByName(name: string): ClientKind<unknown> | undefined {
  return CLIENT_KINDS.find((kind) => kind.name === name);
}
