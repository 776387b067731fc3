import { describe, expect, it } from 'vitest';
import { candidateTaskIds, matchesTask } from './response-match';
import { ResponseIndex } from './response-index';

describe('matchesTask: a task owns a response whose name holds its id as a whole token', () => {
  it.each([
    ['2026-02-04-1715-BEE-001-RESPONSE-TASK-009-event-ledger.md', 'TASK-009'],
    ['TASK-1.md', 'TASK-1'],
    ['RESPONSE_TASK-1.md', 'TASK-1'],
    ['TASK-1', 'TASK-1'],
    ['x TASK-1 y.md', 'TASK-1'],
  ])('%s belongs to %s', (name, id) => expect(matchesTask(name, id)).toBe(true));

  it.each([
    ['TASK-10.md', 'TASK-1'],
    ['XTASK-1.md', 'TASK-1'],
    ['TASK-1a.md', 'TASK-1'],
    ['TASK-009.md', 'TASK-09'],
    ['other.md', 'TASK-1'],
  ])('%s does not belong to %s', (name, id) => expect(matchesTask(name, id)).toBe(false));

  it('finds a later whole occurrence after a partial one', () => {
    expect(matchesTask('TASK-10-then-TASK-1.md', 'TASK-1')).toBe(true);
  });
});

describe('candidateTaskIds', () => {
  it('lists every id-shaped whole token in a name', () => {
    const ids = candidateTaskIds('BEE-001-RESPONSE-TASK-009.md');
    expect(ids).toContain('TASK-009');
    expect(ids).toContain('BEE-001');
    expect(ids).not.toContain('TASK-00');
    expect(ids).not.toContain('ASK-009');
  });
});

describe('ResponseIndex', () => {
  it('answers the newest matching file by modification time', () => {
    const index = new ResponseIndex();
    index.upsert('TASK-7-first.md', 1000);
    index.upsert('TASK-7-second.md', 2000);
    index.upsert('TASK-70.md', 3000);
    expect(index.latestFor('TASK-7')?.name).toBe('TASK-7-second.md');
    index.upsert('TASK-7-first.md', 4000);
    expect(index.latestFor('TASK-7')?.name).toBe('TASK-7-first.md');
  });

  it('forgets removed files', () => {
    const index = new ResponseIndex();
    index.upsert('R-TASK-7.md', 1);
    index.remove('R-TASK-7.md');
    expect(index.latestFor('TASK-7')).toBeUndefined();
    expect(index.size).toBe(0);
  });

  it('only checks files that share the rarest word of the id', () => {
    const index = new ResponseIndex();
    for (let i = 0; i < 10_000; i++) index.upsert(`RESPONSE-TASK-${i}.md`, i);
    expect([...index.candidatesFor('TASK-42')]).toEqual(['RESPONSE-TASK-42.md']);
    expect(index.latestFor('TASK-42')?.name).toBe('RESPONSE-TASK-42.md');
    expect(index.candidatesFor('TASK-10001').size).toBe(0);
    expect(index.latestFor('TASK-10001')).toBeUndefined();
  });
});
