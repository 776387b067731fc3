/**
 * What goes into the hive in PostgreSQL comes out as it went in, as it does from the files:
 * event data in the order its keys were written, on every server and in the table itself.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pgHives, type PgHives } from '../../testing/pg-hives';

let hives: PgHives;
afterEach(() => hives.cleanup());

describe('event data reads back as written', () => {
  it('keeps the key order it was written in, on the server that wrote it, on another, and in the table', async () => {
    hives = await pgHives('fidelity');
    const a = await hives.server();
    // jsonb would read back {"mike":…,"zulu":…,"alpha":…} (shorter keys first, then by bytes).
    const data = { zulu: 1, alpha: { yankee: 'y', bravo: 'b' }, mike: [{ z: 1, a: 2 }] };
    const written = JSON.stringify(data);

    const appended = await a.ledger.append({ event_type: 'task_timeout', task_id: 'TASK-ORDER', actor: 'test', data });
    const b = await hives.server();

    expect(JSON.stringify(appended.data)).toBe(written);
    expect(JSON.stringify(a.ledger.forTask('TASK-ORDER')[0]!.data)).toBe(written);
    expect(JSON.stringify(b.ledger.forTask('TASK-ORDER')[0]!.data)).toBe(written);
    const c = await hives.client();
    const { rows } = await c.query<{ data: string }>("SELECT data::text AS data FROM events WHERE task_id = 'TASK-ORDER'");
    expect(rows[0]!.data).toBe(written);
  });
});
