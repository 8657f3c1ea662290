/**
 * Injection battery through the real tools and guard: SQL metacharacters, comments, stacked statements,
 * UNION SELECT, boolean-blind payloads, LIKE/GLOB/FTS wildcards and operators, identifier-shaped text,
 * NUL and Unicode look-alikes. Each payload is stored and returned verbatim (or refused by the schema),
 * a search for it finds exactly the notes that contain it as plain text, and afterwards the database,
 * opened directly, still has exactly its schema and every other principal's rows untouched.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, textOf, type TestServer } from './helpers.js';
import { freshStorageEnv, noteColumns, noteCount, notesOf, tableNames } from './storage-helpers.js';

const PAYLOADS = [
  "'",
  '"',
  "''",
  "O'Brien",
  "'; DROP TABLE notes; --",
  '"; DROP TABLE "notes"; --',
  '1; DELETE FROM notes',
  "x'); DELETE FROM notes WHERE ('1'='1",
  '/* comment */',
  '-- trailing comment',
  '#hash comment',
  "' UNION SELECT id, owner, title, body, search_text, created_at FROM notes --",
  "' OR '1'='1",
  "' OR 1=1 --",
  "') OR ('a'='a",
  '%',
  '_',
  '\\',
  '100%_done\\',
  '*',
  'a*',
  'NEAR(alpha beta)',
  'alpha AND beta',
  'alpha OR beta',
  '"exact phrase"',
  'title:secret',
  '^start',
  '[abc]',
  '$1',
  '?',
  ':owner',
  '$$; DROP TABLE notes; $$',
  "E'\\x00'",
  'search_text',
  'notes.owner',
  '"owner"',
  '`notes`',
  'owner = owner',
  'ＳＥＬＥＣＴ * ＦＲＯＭ notes', // fullwidth
  'ѕеlесt', // Cyrillic look-alikes
  'İstanbul', // lower-cases to two code points
  'zero\u200bwidth',
  'emoji 🙂 note',
  'tab\there\nnewline',
] as const;

const CONTROL = ['plain control note', 'another ordinary note', 'SELECT is just a word here'];

let servers: TestServer[] = [];
let env: Record<string, string>;
let attacker: TestServer;
let victim: TestServer;
const stored: { id: number; title: string; body: string }[] = [];
let victimRowsBefore: unknown[];

const call = (server: TestServer, name: string, args: Record<string, unknown>) =>
  server.client.callTool({ name, arguments: args }) as Promise<CallToolResult>;

function pageOf(result: CallToolResult): { notes: { id: number; owner: string; title: string; body: string }[] } {
  expect(result.isError, textOf(result)).toBeFalsy();
  const body = textOf(result);
  return JSON.parse(body.slice(body.indexOf('\n{') + 1, body.lastIndexOf('}') + 1)) as { notes: { id: number; owner: string; title: string; body: string }[] };
}

const victimRows = () => notesOf(env, 'victim');

beforeAll(async () => {
  env = await freshStorageEnv();
  attacker = await startTestServer({ env: { ...env, LOCAL_PRINCIPAL: 'attacker', LOCAL_SCOPES: 'notes:read notes:write', RATE_LIMIT_POINTS: '10000' } });
  victim = await startTestServer({ env: { ...env, LOCAL_PRINCIPAL: 'victim', LOCAL_SCOPES: 'notes:read notes:write' } });
  servers = [attacker, victim];
  for (const text of ['victim secret one', "victim's 100% private_note \\ with quotes '\""]) {
    expect((await call(victim, 'add_note', { title: text, body: text })).isError).toBeFalsy();
  }
  victimRowsBefore = await victimRows();
  for (const [i, payload] of PAYLOADS.entries()) {
    const title = `p${i} ${payload.split('\n')[0]?.replace(/[\t]/g, ' ')}`.slice(0, 200);
    const body = `before ${payload} after`;
    const result = await call(attacker, 'add_note', { title, body });
    expect(result.isError, `${payload}: ${textOf(result)}`).toBeFalsy();
    stored.push({ id: (JSON.parse(textOf(result)) as { id: number }).id, title, body });
  }
  for (const text of CONTROL) {
    const result = await call(attacker, 'add_note', { title: text, body: text });
    stored.push({ id: (JSON.parse(textOf(result)) as { id: number }).id, title: text, body: text });
  }
});

afterAll(async () => {
  for (const server of servers) await server.close();
});

describe('payloads are data', () => {
  it.each(PAYLOADS.map((p) => [p]))('%j is stored verbatim and found exactly where it occurs', async (payload) => {
    const page = pageOf(await call(attacker, 'search_notes', { query: payload, limit: 50 }));
    const expected = stored
      .filter((n) => `${n.title}\n${n.body}`.toLowerCase().includes(payload.toLowerCase()))
      .map((n) => n.id)
      .sort((a, b) => b - a);
    expect(page.notes.map((n) => n.id)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(stored.length); // never "match everything"
    for (const note of page.notes) {
      const original = stored.find((n) => n.id === note.id);
      expect(note).toMatchObject({ owner: 'attacker', title: original?.title, body: original?.body });
    }
  });

  it('wildcards are characters: % and _ match only notes holding them; a quote-heavy query matches nothing else', async () => {
    const percent = pageOf(await call(attacker, 'search_notes', { query: '%', limit: 50 })).notes;
    expect(percent.every((n) => `${n.title}\n${n.body}`.includes('%'))).toBe(true);
    const under = pageOf(await call(attacker, 'search_notes', { query: '_', limit: 50 })).notes;
    expect(under.every((n) => `${n.title}\n${n.body}`.includes('_'))).toBe(true);
    expect(pageOf(await call(attacker, 'search_notes', { query: "' OR '1'='1' --x" })).notes).toEqual([]);
  });

  it('look-alikes do not match: "select" finds the ASCII word only, not fullwidth or Cyrillic forms', async () => {
    const titles = pageOf(await call(attacker, 'search_notes', { query: 'select', limit: 50 })).notes.map((n) => n.title);
    expect(titles.length).toBeGreaterThan(0);
    expect(titles.some((t) => t.includes('ＳＥＬＥＣＴ') || t.includes('ѕеlесt'))).toBe(false);
  });

  it('NUL and lone surrogates are refused by the schema, never reach the database', async () => {
    for (const args of [{ title: 'nul', body: 'a\u0000b' }, { title: 'nul\u0000', body: 'x' }, { title: 'half', body: '\udc00' }]) {
      expect(textOf(await call(attacker, 'add_note', args))).toMatch(/Input validation error/);
    }
    expect(textOf(await call(attacker, 'search_notes', { query: 'a\u0000' }))).toMatch(/Input validation error/);
  });

  it('the attacker never sees the victim\'s notes, whatever the payload', async () => {
    for (const query of ['victim', "' OR '1'='1", '%', '', "victim's", '\\']) {
      const notes = pageOf(await call(attacker, 'search_notes', { query, limit: 50 })).notes;
      expect(notes.every((n) => n.owner === 'attacker'), query).toBe(true);
    }
  });
});

describe('the database afterwards (opened directly)', () => {
  it('has exactly its tables and the notes columns', async () => {
    const tables = await tableNames(env);
    expect(tables).toEqual(['kysely_migration', 'kysely_migration_lock', 'notes']);
    const columns = await noteColumns(env);
    expect(columns).toEqual(['body', 'created_at', 'id', 'owner', 'search_text', 'title']);
  });

  it("every other principal's rows are untouched, and every payload row is there once", async () => {
    expect(await victimRows()).toEqual(victimRowsBefore);
    const count = await noteCount(env, 'attacker');
    expect(count).toBe(stored.length);
  });
});
