/**
 * The small set of combinations that the real matrix run (`scripts/test-matrix.mjs --subset ci`) installs,
 * builds and tests: chosen by a greedy cover over every valid combination so that each option value of the
 * catalog is exercised at least once, and one combination is made with a team preset. It is derived from
 * the catalog, so a value added to an option list is covered without anyone editing a list here.
 */
import { allValidSpecs, specLabel } from './matrix.js';

export { flagsFor } from './matrix.js';
import { type Catalog, CATALOG, servesHttp } from './options.js';
import type { ProjectSpec } from './project-spec.js';

/** How a combination is made: with flags, or with a team preset (`--preset`) that sets the same options. */
export type MadeWith = 'flags' | 'preset';

export interface MatrixCombination {
  readonly spec: ProjectSpec;
  readonly madeWith: MadeWith;
}

export const MADE_WITH: readonly MadeWith[] = ['flags', 'preset'];

/** Every value a real run must exercise, as `option=value`: each catalog value, the empty tool set, both ways of making a project. */
export function catalogValues(catalog: Catalog = CATALOG): string[] {
  return [
    ...catalog.transports.map((c) => `transport=${c.value}`),
    ...catalog.auths.map((c) => `auth=${c.value}`),
    ...catalog.storages.map((c) => `storage=${c.value}`),
    ...catalog.tools.map((c) => `tool=${c.value}`),
    'tools=none',
    ...catalog.rateLimitStores.map((c) => `rate-limit-store=${c.value}`),
    ...MADE_WITH.map((way) => `made-with=${way}`),
  ];
}

/**
 * The values a combination exercises. Auth counts only where HTTP is served: a stdio spec holds
 * auth "none" as a placeholder and no auth feature applies to it, so it proves nothing about `--auth none`.
 */
export function valuesOf(combination: MatrixCombination): string[] {
  const { spec } = combination;
  return [
    `transport=${spec.transport}`,
    ...(servesHttp(spec.transport) ? [`auth=${spec.auth}`] : []),
    `storage=${spec.storage}`,
    ...(spec.tools.length === 0 ? ['tools=none'] : spec.tools.map((tool) => `tool=${tool}`)),
    `rate-limit-store=${spec.rateLimitStore}`,
    `made-with=${combination.madeWith}`,
  ];
}

/**
 * Greedy set cover: repeatedly the combination (every valid spec, made with flags or with a preset) that
 * adds the most values not yet covered; ties go to the earlier one in catalog order. Stops when nothing
 * more can be covered. Each pick comes with the values it was picked for.
 */
export function coveringSubset(catalog: Catalog = CATALOG): Array<MatrixCombination & { readonly covers: readonly string[] }> {
  const candidates = allValidSpecs(catalog).flatMap((spec) => MADE_WITH.map((madeWith) => ({ spec, madeWith })));
  const uncovered = new Set(catalogValues(catalog));
  const picked: Array<MatrixCombination & { covers: string[] }> = [];
  while (uncovered.size > 0) {
    let best: { candidate: MatrixCombination; covers: string[] } | undefined;
    for (const candidate of candidates) {
      const covers = [...new Set(valuesOf(candidate))].filter((value) => uncovered.has(value));
      if (covers.length > (best?.covers.length ?? 0)) best = { candidate, covers };
    }
    if (best === undefined) break; // a value no valid combination has: the caller's check reports it
    picked.push({ ...best.candidate, covers: best.covers });
    for (const value of best.covers) uncovered.delete(value);
  }
  return picked;
}

/** Every valid combination made with flags (`--all`). */
export function allCombinations(catalog: Catalog = CATALOG): MatrixCombination[] {
  return allValidSpecs(catalog).map((spec) => ({ spec, madeWith: 'flags' }));
}

export function combinationLabel(combination: MatrixCombination): string {
  return `${specLabel(combination.spec)}${combination.madeWith === 'preset' ? ' (preset)' : ''}`;
}
