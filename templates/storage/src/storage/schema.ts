// The database schema as TypeScript types (Kysely's `Database` interface). Guards against a query that
// names a column or table that does not exist, or binds a value of the wrong type: every query is typed
// against this, and the migrations in src/storage/migrations/ create exactly these tables.
import type { Generated } from 'kysely';

export interface NotesTable {
  /** Assigned by the database (SQLite: INTEGER PRIMARY KEY AUTOINCREMENT; PostgreSQL: identity). */
  id: Generated<number>;
  /** The principal that wrote the note (`apikey:<name>`, `oauth:<issuer>#<sub>`, LOCAL_PRINCIPAL). */
  owner: string;
  title: string;
  body: string;
  /** Lower-cased title and body (JavaScript's Unicode-aware toLowerCase), searched as plain text. */
  search_text: string;
  /** ISO-8601 UTC with milliseconds: sorts as text in both dialects, no driver type conversion. */
  created_at: string;
}

export interface Database {
  notes: NotesTable;
}
