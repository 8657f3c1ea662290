// The end-to-end run's progress lines (test/support/progress.ts): a person watching CI must see each slow
// step start and end, with its name and its time, also when it fails.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { timed } from '../support/progress.js';

let lines: string[];
beforeEach(() => {
  lines = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const STAMP = String.raw`\[e2e \d+\.\ds\]`;

describe('timed', () => {
  it('prints a start line and an end line with the elapsed seconds, and returns the result', () => {
    expect(timed('typecheck e2e-yes', () => ({ status: 0 }))).toEqual({ status: 0 });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${STAMP} ▸ typecheck e2e-yes …\\n$`));
    expect(lines[1]).toMatch(new RegExp(`^${STAMP}   typecheck e2e-yes: done in \\d+\\.\\ds\\n$`));
  });

  it('says when a child process exited non-zero', () => {
    timed('run the generated tests of e2e-yes', () => ({ status: 1 }));
    expect(lines[1]).toMatch(/run the generated tests of e2e-yes: exit 1 after \d+\.\ds\n$/);
  });

  it('waits for a promise, and reports a failure before passing it on', async () => {
    await expect(timed('start the HTTP server', async () => 'url')).resolves.toBe('url');
    expect(lines[1]).toMatch(/start the HTTP server: done in/);
    await expect(timed('conformance', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(lines[3]).toMatch(/conformance: failed after \d+\.\ds\n$/);
    expect(() => timed('sync', () => {
      throw new Error('bang');
    })).toThrow('bang');
    expect(lines[5]).toMatch(/sync: failed after/);
  });
});
