/** Stands in for `server-only` under Vitest, where there is no client bundle to guard against. */
export {};
