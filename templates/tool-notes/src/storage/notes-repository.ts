// Every query on the notes table. Guards against SQL injection (Kysely builds every statement; values
// are bound, never spliced; the one identifier that varies — the text-search function — comes from a
// fixed per-dialect table) and against reaching another principal's rows: every read and delete takes
// the owner into its WHERE unless the caller passes `owner: null` (notes:admin, decided by the tool),
// and delete is ONE statement with the owner in it (no check-then-act).
import type { Dialect, Storage } from './storage.js';

export interface Note {
  id: number;
  owner: string;
  title: string;
  body: string;
  createdAt: string;
}

/** Plain substring search, by dialect: position of the needle in search_text (0 = absent). No operator syntax. */
const POSITION_FUNCTION = { sqlite: 'instr', postgres: 'strpos' } as const satisfies Record<Dialect, string>;

/** The text searched: title and body, lower-cased the same way as the query. */
export function searchTextOf(title: string, body: string): string {
  return `${title}\n${body}`.toLowerCase();
}

export interface SearchParams {
  /** The owner whose notes are searched; null = every owner (notes:admin only). */
  owner: string | null;
  query: string;
  /** Exclusive start of the page (from a verified cursor). */
  after?: { createdAt: string; id: number } | undefined;
  /** Rows returned at most. */
  limit: number;
}

export class NotesRepository {
  constructor(private readonly storage: Storage) {}

  async add(owner: string, title: string, body: string, now: Date = new Date()): Promise<Note> {
    const row = await this.storage.db
      .insertInto('notes')
      .values({ owner, title, body, search_text: searchTextOf(title, body), created_at: now.toISOString() })
      .returning(['id', 'owner', 'title', 'body', 'created_at'])
      .executeTakeFirstOrThrow();
    return { id: row.id, owner: row.owner, title: row.title, body: row.body, createdAt: row.created_at };
  }

  /** Up to `limit` notes whose title or body contains `query` (case-insensitive), newest first. */
  async search(params: SearchParams): Promise<Note[]> {
    const needle = params.query.toLowerCase();
    const position = POSITION_FUNCTION[this.storage.dialect];
    const { after, owner } = params;
    let query = this.storage.db
      .selectFrom('notes')
      .select(['id', 'owner', 'title', 'body', 'created_at'])
      .where((eb) => eb(eb.fn<number>(position, [eb.ref('search_text'), eb.val(needle)]), '>', 0));
    if (owner !== null) query = query.where('owner', '=', owner);
    if (after !== undefined) {
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
      );
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(params.limit).execute();
    return rows.map((row) => ({ id: row.id, owner: row.owner, title: row.title, body: row.body, createdAt: row.created_at }));
  }

  /** Deletes note `id` if `owner` wrote it (owner null: whoever wrote it). True when a row was deleted. */
  async delete(id: number, owner: string | null): Promise<boolean> {
    let query = this.storage.db.deleteFrom('notes').where('id', '=', id);
    if (owner !== null) query = query.where('owner', '=', owner);
    const result = await query.executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
