'use client';
/**
 * Text that may be a megabyte (a summary with logs pasted in): the first part shows at
 * once and the rest only on request, so the page stays quick however long it is.
 */
import { useState } from 'react';

export const LONG_TEXT_SHOWN = 10_000;

export function LongText({ text, className }: { text: string; className?: string }) {
  const [all, setAll] = useState(false);
  if (text.length <= LONG_TEXT_SHOWN) {
    return (
      <p className={className} data-testid="summary">
        {text}
      </p>
    );
  }
  // Never cut a character in half (a surrogate pair).
  const cut = /[\uD800-\uDBFF]/.test(text.charAt(LONG_TEXT_SHOWN - 1)) ? LONG_TEXT_SHOWN - 1 : LONG_TEXT_SHOWN;
  const total = text.length.toLocaleString('en-US');
  return (
    <div>
      <p className={className} data-testid="summary" data-complete={all}>
        {all ? text : `${text.slice(0, cut)}…`}
      </p>
      <button type="button" className="link-button" aria-expanded={all} onClick={() => setAll(!all)}>
        {all ? 'Show less' : `Show all (${total} characters)`}
      </button>
    </div>
  );
}
