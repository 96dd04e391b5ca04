import type { ClientKind } from '../clients/client-kind';
import type { ContenderDefinition } from '../contender';
import { floor, slowFloor } from './floor';
import { lockwardenContenders } from './lockwarden';
import { noLock } from './no-lock';
import { ping } from './ping';
import { relay } from './relay';
import { redisSemaphore } from './redis-semaphore';
import { redlock4 } from './redlock4';
import { redlock5 } from './redlock5';
import { sesamecareRedlock } from './sesamecare-redlock';

/** Every contender, in table order; lockwarden once per client kind. */
export function allContenders(
  kinds: ReadonlyArray<ClientKind<unknown>>,
): Array<ContenderDefinition<unknown>> {
  return [
    ping,
    relay,
    floor,
    ...kinds.flatMap(lockwardenContenders),
    redisSemaphore,
    ...redlock4,
    ...redlock5,
    ...sesamecareRedlock,
    slowFloor,
    noLock,
  ];
}
