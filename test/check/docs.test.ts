// The README's table of check items is the rules' own list: every id with its title, severity and OWASP
// entry, in report order — so the documentation cannot promise an item check does not run, or hide one.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_RULES } from '../../src/check/rules/index.js';
// @ts-expect-error -- a plain .mjs script without types; its one export takes the rules and returns text
import { itemsTable } from '../../scripts/check-items-table.mjs';

describe('README', () => {
  it('lists every check item, as the rules define them', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain((itemsTable as (rules: typeof ALL_RULES) => string)(ALL_RULES));
  });
});
