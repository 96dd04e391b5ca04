/**
 * lockwarden through its public API, over one client kind: `engine.acquire` + `lock.release`
 * (default and fair mode) and an `@Locked` method (the decorator path). Rows for the default
 * client kind are `lockwarden`, `lockwarden-fair`, `lockwarden-locked`; other kinds add
 * `@<kind>` (e.g. `lockwarden@node-redis`).
 */
import { configureLocks, LockEngine, Locked, RedisLockStore, type RedisClient } from '../../src';
import type { ClientKind } from '../clients/client-kind';
import { CLIENT_KINDS } from '../clients';
import {
  holdWhile,
  LOCK_SCENARIOS,
  type Contender,
  type ContenderDefinition,
  type LockSpec,
} from '../contender';
import { quietLogger } from '../harness/quiet-logger';

const PREFIX = 'lw';

type Mode = 'default' | 'fair' | 'locked';

/** The row id of a lockwarden mode over a client kind. */
export function lockwardenId(mode: Mode, kind: ClientKind<unknown>): string {
  const base = mode === 'default' ? 'lockwarden' : `lockwarden-${mode}`;
  return kind === CLIENT_KINDS[0] ? base : `${base}@${kind.name}`;
}

export function lockwardenContenders(
  kind: ClientKind<unknown>,
): Array<ContenderDefinition<unknown>> {
  const suffix = kind === CLIENT_KINDS[0] ? '' : ` [${kind.name}]`;
  const define = (
    mode: Mode,
    label: string,
    extra: Partial<ContenderDefinition<unknown>> = {},
  ): ContenderDefinition<unknown> => ({
    id: lockwardenId(mode, kind),
    label: `${label}${suffix}`,
    group: 'lockwarden',
    clientKind: kind,
    packages: [kind.packageName],
    ...extra,
    async create(context) {
      const client = await context.connect();
      // Client kinds other than ioredis reach RedisLockStore through its client detection.
      const store = new RedisLockStore(client as RedisClient);
      const engine = new LockEngine({
        store,
        prefix: PREFIX,
        logger: quietLogger,
      });
      const acquire = mode === 'locked' ? viaLocked(engine) : viaEngine(engine, mode === 'fair');
      return {
        acquire,
        storageKey: (key) => `${PREFIX}:{${key}}`,
        async close() {
          await engine.close();
          await store.close();
          await context.disconnect(client);
        },
      };
    },
  });
  const isDefaultKind = kind === CLIENT_KINDS[0];
  return [
    // The engine's own cost is measured on the memory store, so once, not per client kind.
    define(
      'default',
      'lockwarden',
      isDefaultKind ? { scenarios: [...LOCK_SCENARIOS, 'engine'] } : {},
    ),
    define('fair', 'lockwarden fair', { note: 'fair: true' }),
    // Same engine path as `lockwarden` while holding, so the held-locks scenario skips it.
    define('locked', 'lockwarden @Locked', {
      scenarios: ['sequential', 'throughput', 'hot-key', 'crash', 'decorator'],
    }),
  ];
}

/**
 * The call's options as an object literal. Not spread (`{ ...options, fair }`): on Node 20 (V8
 * 11.3) every read of an option such an object lacks takes V8's slow path, ~3.8 µs more per
 * acquire + release in the engine (fixed in the V8 of Node 22).
 */
function optionsOf(
  spec: LockSpec,
  fair = false,
): { ttl: number; autoExtend?: boolean; fair?: true } {
  if (fair) {
    return spec.autoExtend === undefined
      ? { ttl: spec.ttl, fair }
      : { ttl: spec.ttl, autoExtend: spec.autoExtend, fair };
  }
  return spec.autoExtend === undefined
    ? { ttl: spec.ttl }
    : { ttl: spec.ttl, autoExtend: spec.autoExtend };
}

function viaEngine(engine: LockEngine, fair: boolean): Contender['acquire'] {
  // The Lock is the handle users hold; it has release() itself, so no wrapper per lock.
  return (key, spec) => engine.acquire(key, optionsOf(spec, fair));
}

/**
 * An `@Locked` method whose body waits until the harness releases: the acquisition resolves when
 * the body starts, and `release` lets the body return and waits for the decorator to release.
 * Options are fixed when a class is defined, so there is one class per lock spec.
 */
function viaLocked(engine: LockEngine): Contender['acquire'] {
  configureLocks(engine);
  const sections = new Map<string, (key: string, body: () => Promise<void>) => Promise<void>>();
  const sectionFor = (spec: LockSpec) => {
    const id = `${spec.ttl}:${String(spec.autoExtend)}`;
    let section = sections.get(id);
    if (!section) {
      const options = optionsOf(spec);
      class Section {
        @Locked({ key: (key: string) => key, ...options })
        async run(_key: string, body: () => Promise<void>): Promise<void> {
          await body();
        }
      }
      const instance = new Section();
      section = (key, body) => instance.run(key, body);
      sections.set(id, section);
    }
    return section;
  };
  return (key, spec) => holdWhile((body) => sectionFor(spec)(key, body));
}
