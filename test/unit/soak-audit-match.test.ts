// The soak (scripts/soak.mjs) fails on a lost, doubled or invented audit line: its matcher, fed planted
// logs, must count each of them (a matcher that counted nothing would let every soak pass).
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without types; its one export is typed below
import { matchAuditLines as untyped } from '../../scripts/soak-audit-match.mjs';

type Line = { args?: { query?: unknown } };
const matchAuditLines = untyped as (lines: Line[], sent: Map<string, string> | undefined, counts: { answered: number; sent: number }) => { lost: number; doubled: number; unknown: number };
const line = (query: string): Line => ({ args: { query } });
const sent = new Map([
  ['q1', 'ok'],
  ['q2', 'ok'],
  ['q3', 'ECONNRESET'], // no answer: a line for it is neither required nor a double
]);

describe('soak audit matcher', () => {
  it('passes one line per answered call', () => {
    expect(matchAuditLines([line('q1'), line('q2')], sent, { answered: 2, sent: 3 })).toEqual({ lost: 0, doubled: 0, unknown: 0 });
    expect(matchAuditLines([line('q1'), line('q2'), line('q3')], sent, { answered: 2, sent: 3 })).toEqual({ lost: 0, doubled: 0, unknown: 0 });
  });
  it('counts a lost line, a doubled line and a line for a call never sent', () => {
    expect(matchAuditLines([line('q1')], sent, { answered: 2, sent: 3 })).toMatchObject({ lost: 1 });
    expect(matchAuditLines([line('q1'), line('q2'), line('q2')], sent, { answered: 2, sent: 3 })).toMatchObject({ doubled: 1 });
    expect(matchAuditLines([line('q1'), line('q2'), line('q9')], sent, { answered: 2, sent: 3 })).toMatchObject({ unknown: 1 });
  });
  it('without unique arguments, matches by count', () => {
    expect(matchAuditLines([{}, {}], undefined, { answered: 3, sent: 3 })).toMatchObject({ lost: 1, doubled: 0 });
    expect(matchAuditLines([{}, {}, {}, {}], undefined, { answered: 3, sent: 3 })).toMatchObject({ lost: 0, doubled: 1 });
  });
});
