import { describe, expect, it } from 'vitest';
import { BotIdSchema, TaskIdSchema } from '../contracts/ids';
import { fileStamp, newTaskId } from './ids';

describe('task and bot ids', () => {
  it.each(['TASK-1', 'TASK-20260201093000-7f3a', 'a', 'BEE-001', 'x.y_z-1'])('accepts %j', (id) => {
    expect(TaskIdSchema.safeParse(id).success).toBe(true);
    expect(BotIdSchema.safeParse(id).success).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['a slash', 'a/b'],
    ['a backslash', 'a\\b'],
    ['dot-dot', '..'],
    ['a leading dot', '.hidden'],
    ['a leading dash', '-rf'],
    ['NUL', 'a\0b'],
    ['glob characters', 'TASK-*'],
    ['a question mark', 'TASK-?'],
    ['brackets', 'TASK-[1]'],
    ['a space', 'TASK 1'],
    ['unicode', 'TÄSK-1'],
    ['a newline', 'TASK-1\n'],
    ['absurd length', 'T'.repeat(129)],
  ])('refuses an id with %s', (_what, id) => {
    expect(TaskIdSchema.safeParse(id).success).toBe(false);
  });

  it('refuses non-strings instead of coercing them', () => {
    expect(TaskIdSchema.safeParse(42).success).toBe(false);
  });
});

describe('fileStamp', () => {
  it('is a UTC stamp that sorts lexically by time', () => {
    expect(fileStamp(new Date('2026-02-01T09:30:00.123Z'))).toBe('20260201T093000123Z');
    const earlier = fileStamp(new Date('2026-02-01T09:30:00.999Z'));
    const later = fileStamp(new Date('2026-02-01T09:30:01.000Z'));
    expect(earlier < later).toBe(true);
  });
});

describe('newTaskId', () => {
  it('looks like TASK-<seconds>-<hex> and is a valid id', () => {
    const id = newTaskId(new Date('2026-02-01T09:30:00.123Z'), () => false);
    expect(id).toMatch(/^TASK-20260201093000-[0-9a-f]{12}$/);
    expect(TaskIdSchema.safeParse(id).success).toBe(true);
  });

  it('stays distinct for many ids in the same millisecond, with no one checking', () => {
    const at = new Date();
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i++) ids.add(newTaskId(at, () => false));
    expect(ids.size).toBe(20_000);
  });

  it('skips ids the caller says are taken', () => {
    const seen: string[] = [];
    const id = newTaskId(new Date(), (candidate) => {
      seen.push(candidate);
      return seen.length < 3;
    });
    expect(seen).toHaveLength(3);
    expect(id).toBe(seen[2]);
  });
});
