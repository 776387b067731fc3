'use client';
/**
 * Which rows of the list are selected, by task id. A shift-click selects (or clears) the
 * whole range from the row clicked before, as in a mail client. A new filter starts a new
 * selection: rows chosen under the old one are not what the operator now sees.
 */
import { useRef, useState } from 'react';

export interface Selection {
  selected: ReadonlySet<string>;
  /** Toggles `id`; with `range`, gives every row between the last toggled one and `id` the state `id` takes. */
  toggle: (id: string, range?: boolean) => void;
  setAll: (ids: readonly string[], value: boolean) => void;
  clear: () => void;
}

/** `selected` with every one of `ids` selected (`value`) or not. */
function withIds(selected: ReadonlySet<string>, ids: readonly string[], value: boolean): ReadonlySet<string> {
  const next = new Set(selected);
  for (const id of ids) {
    if (value) next.add(id);
    else next.delete(id);
  }
  return next;
}

export function useSelection(rowIds: readonly string[], resetKey: string): Selection {
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const [key, setKey] = useState(resetKey);
  const anchor = useRef<string | null>(null);
  // Adjusted while rendering rather than in an effect, so the old selection never paints under the new filter.
  if (key !== resetKey) {
    setKey(resetKey);
    setSelected(new Set());
  }

  return {
    selected,
    toggle(id, range = false) {
      const value = !selected.has(id);
      const from = anchor.current === null ? -1 : rowIds.indexOf(anchor.current);
      const to = rowIds.indexOf(id);
      const ids = range && from !== -1 && to !== -1 ? rowIds.slice(Math.min(from, to), Math.max(from, to) + 1) : [id];
      anchor.current = id;
      setSelected((prev) => withIds(prev, ids, value));
    },
    setAll(ids, value) {
      setSelected((prev) => withIds(prev, ids, value));
    },
    clear() {
      anchor.current = null;
      setSelected(new Set());
    },
  };
}
