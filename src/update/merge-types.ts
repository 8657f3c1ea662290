/**
 * `create-secure-mcp update`: the shapes the three-way merge reads and returns. Three versions of the
 * project's files — base (the project as its recorded generator version rendered it), theirs (the same
 * spec rendered by the target version) and ours (the project on disk) — become one decision per path.
 * Pure data: nothing here touches the disk, so --dry-run and tests see exactly what a real run would do.
 */

/** Path (POSIX, relative to the project root) → bytes. A path absent from a map is absent in that version. */
export type FileSet = ReadonlyMap<string, Buffer>;

export type MergeAction =
  /** The user never changed it; the template did: take the template's new version. */
  | 'updated'
  /** Both changed it: merged cleanly. */
  | 'merged'
  /** Both changed it and the changes overlap: written with standard conflict markers. */
  | 'conflict'
  /** The template did not change it (or the user's version already equals the new one): left as is. */
  | 'kept'
  /** New in the template, absent in the project: added. */
  | 'added'
  /** Removed by the template and never changed by the user: removed. */
  | 'removed'
  /** Never touched by update: secrets, data, logs, the manifest (handled by the command). */
  | 'protected';

export interface MergeDecision {
  readonly path: string;
  readonly action: MergeAction;
  /** The new content to write (updated, merged, conflict, added); undefined for kept/protected/removed. */
  readonly content?: Buffer;
  /** Why, in a few words (shown by --dry-run and in the summary). */
  readonly why: string;
  /** Number of conflict regions (conflict only). */
  readonly conflicts?: number;
}
