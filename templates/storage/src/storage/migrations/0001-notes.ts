// Migration 0001: the notes table. Guards against SQL text in migrations (the schema builder only:
// no sql.raw, no string-built DDL) and against a schema that differs from src/storage/schema.ts. Takes
// the dialect because the id column differs: SQLite autoincrement, PostgreSQL identity.
import type { Kysely } from 'kysely';
import type { Migration } from '../kysely-migration.js';
import type { Dialect } from '../storage.js';

export function notesMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('notes')
        .addColumn('id', 'integer', (col) =>
          dialect === 'sqlite' ? col.primaryKey().autoIncrement() : col.primaryKey().generatedAlwaysAsIdentity(),
        )
        .addColumn('owner', 'text', (col) => col.notNull())
        .addColumn('title', 'text', (col) => col.notNull())
        .addColumn('body', 'text', (col) => col.notNull())
        .addColumn('search_text', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .execute();
      // Keyset pagination per owner, and across owners.
      await db.schema.createIndex('notes_owner_created_id').on('notes').columns(['owner', 'created_at', 'id']).execute();
      await db.schema.createIndex('notes_created_id').on('notes').columns(['created_at', 'id']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('notes').execute();
    },
  };
}
