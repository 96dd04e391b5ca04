import diagnostics_channel from 'node:diagnostics_channel';
import type { EventEmitter } from 'node:events';
import type { LockLostError, LockStoreError } from './errors';
import type { LockLogger } from './options';

/** Emitted when a lock is taken. */
export interface LockAcquiredEvent {
  key: string;
  fence: number;
  /** Attempts it took, 1 when the lock was free. */
  attempts: number;
  /** Time spent waiting in ms. */
  waitedMs: number;
  /** The caller's ticket in the fair queue, when it waited there (tickets rise in queue order). */
  ticket?: number;
}

/** Emitted after each failed attempt on a busy lock. */
export interface LockContendedEvent {
  key: string;
  /** The holder's remaining ttl in ms, as reported by the store (-1 if unknown). */
  holderTtl: number;
  attempt: number;
}

/** Emitted when a held lock was renewed. */
export interface LockExtendedEvent {
  key: string;
  fence: number;
  ttl: number;
  expiresAt: number;
}

/** Emitted when a held lock was released by its holder. */
export interface LockReleasedEvent {
  key: string;
  fence: number;
  heldMs: number;
}

/** Emitted when a held lock was lost; its `signal` aborts with the same error. */
export interface LockLostEvent {
  key: string;
  fence: number;
  error: LockLostError;
}

/** Emitted when a store call failed in the background (renewal) or was failed open. */
export interface LockErrorEvent {
  key: string | undefined;
  operation: 'acquire' | 'renew' | 'release' | 'inspect' | 'forceRelease' | 'subscribe' | 'dequeue';
  error: LockStoreError;
}

/** The engine's events, by name. */
export interface LockEngineEvents {
  acquired: [LockAcquiredEvent];
  contended: [LockContendedEvent];
  extended: [LockExtendedEvent];
  released: [LockReleasedEvent];
  lost: [LockLostEvent];
  error: [LockErrorEvent];
}

export type LockEventName = keyof LockEngineEvents;

/** How the engine's parts emit an event through the engine. */
export type EmitEvent = <E extends LockEventName>(
  event: E,
  payload: LockEngineEvents[E][0],
) => void;

/** Whether anyone would see `event` (a payload nobody sees need not be built). */
export type EventObserved = (event: LockEventName) => boolean;

/** `node:diagnostics_channel` channels, named `lockwarden:<event>`, for APM tools. */
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
