/** Whether React owns the page yet: false in the server render and while hydrating, true after. */
import { useSyncExternalStore } from 'react';

// Nothing to subscribe to: the answer only changes once, when hydration ends, and React re-renders for that itself.
const subscribe = () => () => {};

export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
