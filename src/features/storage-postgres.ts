/** PostgreSQL for teams: a pool from DATABASE_URL through pg (templates/storage-postgres). */
import type { Feature } from './types.js';

export const postgresFeature: Feature = {
  id: 'postgres',
  templateDir: 'storage-postgres',
  applies: (spec) => spec.storage === 'postgres',
  contributions: (spec) => ({
    dependencies: ['pg'],
    devDependencies: ['@types/pg'],
    config: {
      key: 'postgres',
      module: 'postgres',
      parse: 'parsePostgresConfig',
      type: 'PostgresConfig',
      doc: 'The PostgreSQL database (DATABASE_URL, DATABASE_STATEMENT_TIMEOUT_MS, DATABASE_POOL_MAX).',
    },
    resource: {
      key: 'storage',
      module: 'storage/postgres',
      open: 'openPostgresStorage',
      args: 'config.postgres, logger',
      type: 'Storage',
      typeModule: 'storage/storage',
      doc: 'The database: PostgreSQL at DATABASE_URL, migrated before the server serves.',
      prepare: 'migrate',
      close: 'close',
    },
    env: [
      {
        comment: [
          'REQUIRED. The PostgreSQL database: postgres:// or postgresql://, credentials in the URL (a secret:',
          'never logged, not even in errors). TLS when the URL asks for it (sslmode=require or verify-full).',
          'Several instances may start at once: each migration is applied once (an advisory lock).',
        ],
        variables: [
          { name: 'DATABASE_URL', meaning: '**secret** (may hold a password). The PostgreSQL database, `postgres://` or `postgresql://`; TLS when the URL asks for it', default: 'required', example: `postgres://127.0.0.1:5432/${spec.name.replace(/[^a-z0-9_]/gi, '_')}`, live: true },
          { name: 'DATABASE_STATEMENT_TIMEOUT_MS', meaning: 'longest a statement may run before PostgreSQL cancels it (100 to 600000)', default: '`10000`', example: '10000' },
          { name: 'DATABASE_POOL_MAX', meaning: 'most connections one process opens (1 to 100)', default: '`10`', example: '10' },
        ],
      },
    ],
    testEnv: {
      imports: ["import { inject } from 'vitest';"],
      required: ["// The database test/postgres-setup.ts created for this run (dropped after it).", "DATABASE_URL: inject('testDatabaseUrl')"],
      perServer: ["DATABASE_URL: inject('testDatabaseUrl')"],
    },
    slots: [
      {
        file: 'Dockerfile',
        slot: 'mounts',
        content: '# The database is PostgreSQL at DATABASE_URL (a secret: pass it like AUDIT_HMAC_KEY, never in the image).',
      },
    ],
    dotenv: ['', '# The PostgreSQL database (a local server for development; create the database first).', `DATABASE_URL=postgres://127.0.0.1:5432/${spec.name.replace(/[^a-z0-9_]/gi, '_')}`],
  }),
};
