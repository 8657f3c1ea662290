/**
 * Storage, whichever database: the typed schema, the migrator and its migrations, `npm run db:migrate`
 * (templates/storage). The dialect features (sqlite, postgres) add the driver, its settings and the
 * resource that opens it.
 */
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
};
