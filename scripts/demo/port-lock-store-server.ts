import type { MessagePort } from 'node:worker_threads';
import type { LockStore, RenewRequest } from 'lockwarden';
import type { StoreReply, StoreRequest, StoreUnsubscribe } from './port-lock-store';

/**
 * Answers a {@link PortLockStore} on the other end of `port` from `store`. Messages that are not
 * store requests go to `onOther`, in the order they arrive among the requests. `close()` drops
 * the subscriptions the other side made (it may have been terminated without unsubscribing).
 */
export function servePortLockStore(
  port: MessagePort,
  store: LockStore,
  onOther: (message: unknown) => void = () => undefined,
): { close(): void } {
  const subscriptions = new Map<number, Promise<() => void>>();
  const reply = (message: StoreReply): void => port.postMessage(message);

  const run = (request: StoreRequest): Promise<unknown> => {
    // The arguments are the ones PortLockStore's method of the same name was given.
    const args = request.args as never;
    switch (request.op) {
      case 'acquire':
        return store.acquire(...(args as Parameters<LockStore['acquire']>));
      case 'renew':
        return store.renew(...(args as Parameters<LockStore['renew']>));
      case 'renewMany': {
        const [requests] = args as [RenewRequest[]];
        return store.renewMany
          ? store.renewMany(requests)
          : Promise.all(requests.map((r) => store.renew(r.key, r.owner, r.ttl)));
      }
      case 'release':
        return store.release(...(args as Parameters<LockStore['release']>));
      case 'inspect':
        return store.inspect(...(args as Parameters<LockStore['inspect']>));
      case 'forceRelease':
        return store.forceRelease(...(args as Parameters<LockStore['forceRelease']>));
      case 'dequeue':
        return store.dequeue
          ? store.dequeue(...(args as [string, string]))
          : Promise.resolve(false);
      case 'subscribe': {
        if (!store.onRelease) return Promise.reject(new Error('the store has no onRelease'));
        const [key, subscription] = args as [string, number];
        const unsubscribe = store.onRelease(key, (next) =>
          reply({ type: 'lock-store:released', subscription, next }),
        );
        subscriptions.set(subscription, unsubscribe);
        return unsubscribe.then(() => undefined);
      }
    }
  };

  port.on('message', (message: StoreRequest | StoreUnsubscribe | { type?: unknown }) => {
    if (message.type === 'lock-store') {
      const request = message as StoreRequest;
      run(request).then(
        (value) => reply({ type: 'lock-store:reply', id: request.id, ok: true, value }),
        (error: unknown) =>
          reply({
            type: 'lock-store:reply',
            id: request.id,
            ok: false,
            error: error instanceof Error ? error : new Error(String(error)),
          }),
      );
    } else if (message.type === 'lock-store:unsubscribe') {
      const { subscription } = message as StoreUnsubscribe;
      void subscriptions.get(subscription)?.then((unsubscribe) => unsubscribe());
      subscriptions.delete(subscription);
    } else {
      onOther(message);
    }
  });

  return {
    close() {
      for (const unsubscribe of subscriptions.values()) void unsubscribe.then((u) => u());
      subscriptions.clear();
      port.close();
    },
  };
}
