// The covering subset that `npm run test:matrix` installs and tests for real (scripts/test-matrix.mjs
// --subset ci): every option value of the catalog is exercised by at least one picked combination, auth
// values only where HTTP is served, one combination is made with a team preset, and a value added to the
// catalog is picked up without editing the runner. Guards against a "covering" set that silently is not.
import { describe, expect, it } from 'vitest';
import { allValidSpecs } from '../../src/options/matrix.js';
import { allCombinations, catalogValues, combinationLabel, coveringSubset, valuesOf } from '../../src/options/matrix-cover.js';
import { type Catalog, CATALOG, servesHttp } from '../../src/options/options.js';

function covered(catalog: Catalog = CATALOG): Set<string> {
  return new Set(coveringSubset(catalog).flatMap(valuesOf));
}

describe('the covering subset of the real matrix run', () => {
  it('exercises every option value of the catalog, read from the option lists themselves', () => {
    const expected = [
      ...CATALOG.transports.map((c) => `transport=${c.value}`),
      ...CATALOG.auths.map((c) => `auth=${c.value}`),
      ...CATALOG.storages.map((c) => `storage=${c.value}`),
      ...CATALOG.tools.map((c) => `tool=${c.value}`),
      'tools=none',
      ...CATALOG.rateLimitStores.map((c) => `rate-limit-store=${c.value}`),
      'made-with=flags',
      'made-with=preset',
    ];
    expect(catalogValues()).toEqual(expected);
    const have = covered();
    expect(expected.filter((value) => !have.has(value))).toEqual([]);
  });

  it('covers each auth value on a transport that serves HTTP (a stdio project has no auth to test)', () => {
    const onHttp = new Set(coveringSubset().filter((c) => servesHttp(c.spec.transport)).map((c) => c.spec.auth));
    expect([...onHttp].sort()).toEqual(CATALOG.auths.map((a) => a.value).sort());
  });

  it('is small, valid, made with a preset once, and says what each pick covers', () => {
    const subset = coveringSubset();
    expect(subset.length).toBeLessThanOrEqual(5);
    const valid = new Set(allValidSpecs().map((spec) => JSON.stringify(spec)));
    for (const pick of subset) {
      expect(valid.has(JSON.stringify(pick.spec)), combinationLabel(pick)).toBe(true);
      expect(pick.covers.length, combinationLabel(pick)).toBeGreaterThan(0);
      for (const value of pick.covers) expect(valuesOf(pick)).toContain(value);
    }
    expect(subset.filter((c) => c.madeWith === 'preset')).toHaveLength(1);
    // No value is claimed by two picks: each pick was chosen for what it added.
    const claims = subset.flatMap((c) => c.covers);
    expect(new Set(claims).size).toBe(claims.length);
    expect(new Set(claims)).toEqual(new Set(catalogValues()));
  });

  it('a value added to the catalog is covered without editing the runner', () => {
    const extended: Catalog = {
      ...CATALOG,
      tools: [...CATALOG.tools, { value: 'tickets', label: 'tickets', hint: '', mcpTools: ['list_tickets'], scopes: ['tickets:read'], needsStorage: true }],
      storages: [...CATALOG.storages, { value: 'mysql', label: 'MySQL', hint: '' }],
    };
    const have = covered(extended);
    expect(have.has('tool=tickets')).toBe(true);
    expect(have.has('storage=mysql')).toBe(true);
    expect(catalogValues(extended).filter((value) => !have.has(value))).toEqual([]);
  });

  it('--all is every valid combination, made with flags', () => {
    expect(allCombinations()).toHaveLength(allValidSpecs().length);
    expect(allCombinations().every((c) => c.madeWith === 'flags')).toBe(true);
  });
});
