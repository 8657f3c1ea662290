/**
 * Storage, whichever database: the typed schema, the migrator and its migrations, `npm run db:migrate`
 * (templates/storage). The dialect features (sqlite, postgres) add the driver, its settings and the
 * resource that opens it.
 */
import type { NodeFloor } from '../project-versions.js';
import type { Feature } from './types.js';

export const storageFeature: Feature = {
  id: 'storage',
  templateDir: 'storage',
  applies: (spec) => spec.storage !== 'none',
  contributions: () => ({
    // A typed query builder that only ever binds values (no SQL text is built anywhere).
    dependencies: ['kysely'],
    scripts: { 'db:migrate': 'node dist/cli/db-migrate.js' },
  }),
  computedFiles: (spec) => [{ path: 'src/storage/kysely-migration.ts', content: kyselyMigrationModule(spec.nodeFloor) }],
};

/**
 * Kysely 0.29 (the Node >= 22 column) moved its migration API to 'kysely/migration'; 0.28 (the Node 20
 * column) exports it from 'kysely' and has no such subpath. The one module that knows which, so every
 * other storage file imports the same names from one place.
 */
function kyselyMigrationModule(floor: NodeFloor): string {
  const from = floor === 20 ? 'kysely' : 'kysely/migration';
  return [
    "// Kysely's migration API, from where this project's Kysely version keeps it (" + (floor === 20 ? "0.28: 'kysely'" : "0.29 and later: 'kysely/migration'") + ').',
    '// Guards against the storage code depending on the Kysely line: the rest of src/storage imports from here.',
    `export { Migrator, type Migration, type MigrationProvider } from '${from}';`,
    '',
  ].join('\n');
}
