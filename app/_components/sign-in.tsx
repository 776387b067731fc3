'use client';
/** Asks once for the API token (when the server has one) and trades it for a session cookie. */
import { useState, type FormEvent } from 'react';
import { useHydrated } from './use-hydrated';

export function SignIn() {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // Until React owns the form, a click would submit it natively and put the token in the URL.
  const hydrated = useHydrated();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const entry = new FormData(event.currentTarget).get('token');
    const token = typeof entry === 'string' ? entry : '';
    const res = await fetch('/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    }).catch(() => null);
    setPending(false);
    if (res?.ok) return window.location.reload();
    const body = (await res?.json().catch(() => null)) as { error?: { message?: string } } | null;
    setError(body?.error?.message ?? 'The server could not be reached.');
  }

  return (
    <main id="main" className="sign-in">
      <section className="panel" aria-labelledby="sign-in-heading">
        <h1 id="sign-in-heading">Hive Control</h1>
        <p>This server is protected by an API token (the HIVE_API_TOKEN it was started with).</p>
        {/* onSubmit never rejects: the fetch and the body read each catch their own failure. */}
        <form onSubmit={(event) => void onSubmit(event)}>
          <label htmlFor="token">API token</label>
          <input id="token" name="token" type="password" autoComplete="current-password" required autoFocus />
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" disabled={pending || !hydrated}>
            {pending ? 'Checking…' : 'Sign in'}
          </button>
        </form>
      </section>
    </main>
  );
}
