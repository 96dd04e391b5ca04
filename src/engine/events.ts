import diagnostics_channel from 'node:diagnostics_channel';
import type { EventEmitter } from 'node:events';
import type { LockLostError, LockStoreError } from './errors';
import type { LockLogger } from './options';

/**
 * Emitted when a lock is taken.
 *
 * @example
 * engine.on('acquired', ({ key, fence, waitedMs }) => metrics.histogram('lock.wait', waitedMs, { key }));
 */
export interface LockAcquiredEvent {
  /** The lock's key, without the engine prefix. */
  key: string;
  /** The fencing token the store issued for this acquisition. */
  fence: number;
  /** Attempts it took, 1 when the lock was free. */
  attempts: number;
  /** Time spent waiting in ms. */
  waitedMs: number;
  /** The caller's ticket in the fair queue, when it waited there (tickets rise in queue order). */
  ticket?: number;
}

/**
 * Emitted after each failed attempt on a busy lock.
 *
 * @example
 * engine.on('contended', ({ key, attempt }) => log.debug(`"${key}" is busy (attempt ${attempt})`));
 */
export interface LockContendedEvent {
  /** The lock's key, without the engine prefix. */
  key: string;
  /** The holder's remaining ttl in ms, as reported by the store (-1 if unknown). */
  holderTtl: number;
  /** Which attempt failed: 1 for the first. */
  attempt: number;
}

/**
 * Emitted when a held lock was renewed (by auto-extension or `lock.extend`).
 *
 * @example
 * engine.on('extended', ({ key, expiresAt }) => log.debug(`"${key}" held until ${new Date(expiresAt).toISOString()}`));
 */
export interface LockExtendedEvent {
  /** The lock's key, without the engine prefix. */
  key: string;
  /** The lock's fencing token (a renewal does not change it). */
  fence: number;
  /** The ttl in ms the renewal set. */
  ttl: number;
  /** The lock's new local deadline (epoch ms), as `lock.expiresAt` reports it. */
  expiresAt: number;
}

/**
 * Emitted when a held lock was released by its holder.
 *
 * @example
 * engine.on('released', ({ key, heldMs }) => metrics.histogram('lock.held', heldMs, { key }));
 */
export interface LockReleasedEvent {
  /** The lock's key, without the engine prefix. */
  key: string;
  /** The fencing token of the released acquisition. */
  fence: number;
  /** How long the lock was held, in ms (from the acquire being sent to the release). */
  heldMs: number;
}

/**
 * Emitted when a held lock was lost; its `signal` aborts with the same error.
 *
 * @example
 * engine.on('lost', ({ key, error }) => log.error(`lost "${key}": ${error.message}`));
 */
export interface LockLostEvent {
  /** The lock's key, without the engine prefix. */
  key: string;
  /** The fencing token of the lost acquisition (a resource should now refuse it). */
  fence: number;
  /** Why the lock was lost; the same error the lock's `signal` aborts with. */
  error: LockLostError;
}

/**
 * Emitted when a store call failed in the background, where nobody could be thrown to: a
 * renewal, the release after a `withLock` body, a release subscription, leaving a fair queue.
 * Without a listener it goes to the engine's logger instead (never an unhandled `error` event).
 * A fail-open run (`onStoreError: 'run'`) is logged, not emitted.
 *
 * @example
 * engine.on('error', ({ key, operation, error }) => log.warn(`${operation} "${key}" failed`, error.cause));
 */
export interface LockErrorEvent {
  /** The lock's key, without the engine prefix (`undefined` for a failure tied to no key). */
  key: string | undefined;
  /** The store operation that failed. */
  operation: 'acquire' | 'renew' | 'release' | 'inspect' | 'forceRelease' | 'subscribe' | 'dequeue';
  /** The failure, wrapping the store's error as its `cause` (never carrying an owner token). */
  error: LockStoreError;
}

/**
 * The engine's events, by name (`LockEngine` is an `EventEmitter<LockEngineEvents>`).
 *
 * @example
 * engine.on('lost', (event: LockEngineEvents['lost'][0]) => console.error(event.key));
 */
export interface LockEngineEvents {
  /** A lock was taken. */
  acquired: [LockAcquiredEvent];
  /** An attempt found the lock busy. */
  contended: [LockContendedEvent];
  /** A held lock was renewed. */
  extended: [LockExtendedEvent];
  /** A held lock was released by its holder. */
  released: [LockReleasedEvent];
  /** A held lock was lost (expired unrenewed, taken over or force-released). */
  lost: [LockLostEvent];
  /** A store call failed in the background. */
  error: [LockErrorEvent];
}

/** The name of one of the engine's events (and of its diagnostics channel's suffix). */
export type LockEventName = keyof LockEngineEvents;

/** How the engine's parts emit an event through the engine. */
export type EmitEvent = <E extends LockEventName>(
  event: E,
  payload: LockEngineEvents[E][0],
) => void;

/** Whether anyone would see `event` (a payload nobody sees need not be built). */
export type EventObserved = (event: LockEventName) => boolean;

/**
 * `node:diagnostics_channel` channels, named `lockwarden:<event>`, for APM tools. Every engine
 * publishes each event's payload on them; subscribing costs nothing when nobody does.
 *
 * @example
 * import diagnostics_channel from 'node:diagnostics_channel';
 * diagnostics_channel.subscribe('lockwarden:lost', (event) => apm.captureMessage(`lock lost: ${(event as LockLostEvent).key}`));
 * diagnosticsChannels.lost.subscribe((event) => console.warn(event)); // the same channel
 */
export const diagnosticsChannels: Readonly<Record<LockEventName, diagnostics_channel.Channel>> = {
  acquired: diagnostics_channel.channel('lockwarden:acquired'),
  contended: diagnostics_channel.channel('lockwarden:contended'),
  extended: diagnostics_channel.channel('lockwarden:extended'),
  released: diagnostics_channel.channel('lockwarden:released'),
  lost: diagnostics_channel.channel('lockwarden:lost'),
  error: diagnostics_channel.channel('lockwarden:error'),
};

/** Whether `emitter` has a listener for `event` or its diagnostics channel a subscriber. */
export function isObserved(emitter: EventEmitter<LockEngineEvents>, event: LockEventName): boolean {
  return emitter.listenerCount(event) > 0 || diagnosticsChannels[event].hasSubscribers;
}

/**
 * Emit `event` on `emitter` and publish it on its diagnostics channel. An `error` nobody listens
 * to goes to `logger` (emitting it would crash the process); a listener that throws is logged.
 */
export function publishEvent<E extends LockEventName>(
  emitter: EventEmitter<LockEngineEvents>,
  logger: LockLogger,
  event: E,
  payload: LockEngineEvents[E][0],
): void {
  const channel = diagnosticsChannels[event];
  if (channel.hasSubscribers) channel.publish(payload);
  if (emitter.listenerCount(event) === 0) {
    if (event === 'error') logger.warn(`lockwarden: ${(payload as LockErrorEvent).error.message}`);
    return;
  }
  try {
    (emitter.emit as (event: string, payload: unknown) => boolean)(event, payload);
  } catch (error) {
    logger.error(`lockwarden: a "${event}" listener threw`, error);
  }
}
