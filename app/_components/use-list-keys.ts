'use client';
/**
 * The list's keyboard: `/` focuses the search box, `j`/`k` move the focus down and up the
 * rows, Enter opens the focused task, `x` selects or clears the focused row. Keys typed
 * into a text field, a select or an open dialog are theirs, never shortcuts.
 */
import { useEffect, useEffectEvent, type RefObject } from 'react';

const NOT_TYPING = new Set(['checkbox', 'radio', 'button', 'submit', 'reset']);

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement)
    return true;
  return target instanceof HTMLInputElement && !NOT_TYPING.has(target.type);
}

export function useListKeys(options: {
  table: RefObject<HTMLElement | null>;
  search: RefObject<HTMLInputElement | null>;
  open: (taskId: string) => void;
  toggle: (taskId: string) => void;
}) {
  const onKey = useEffectEvent((event: KeyboardEvent) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target) || document.querySelector('dialog[open]')) return;
    const rows = [...(options.table.current?.querySelectorAll<HTMLElement>('tr[data-task-id]') ?? [])];
    const current = rows.findIndex((row) => row.contains(document.activeElement));
    const focusRow = (index: number) => {
      const row = rows[Math.max(0, Math.min(rows.length - 1, index))];
      if (!row) return;
      event.preventDefault();
      row.focus();
    };
    const id = rows[current]?.dataset.taskId;
    switch (event.key) {
      case '/':
        event.preventDefault();
        options.search.current?.focus();
        options.search.current?.select();
        break;
      case 'j':
        focusRow(current + 1);
        break;
      case 'k':
        focusRow(current === -1 ? 0 : current - 1);
        break;
      case 'Enter':
        // On the row itself; a link or a button in it answers Enter on its own.
        if (id && document.activeElement === rows[current]) {
          event.preventDefault();
          options.open(id);
        }
        break;
      case 'x':
        if (id) {
          event.preventDefault();
          options.toggle(id);
        }
        break;
    }
  });

  useEffect(() => {
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}
