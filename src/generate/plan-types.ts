/**
 * The plan: every file a run will write, as data. Features return plans instead of writing, so
 * --dry-run prints exactly what a real run writes, and tests check the plan without touching disk.
 */

export type FileSource =
  /** A file of templates/; rendered with handlebars when its name ends in .hbs, else copied as is. */
  | { readonly kind: 'template'; readonly file: string; readonly render: boolean }
  /** Content computed in code (the manifest, the .env with its fresh secret). */
  | { readonly kind: 'content'; readonly content: string };

export interface PlannedFile {
  /** POSIX path relative to the project root. Checked to stay inside it. */
  readonly path: string;
  readonly source: FileSource;
  /** File mode; secrets get 0o600. */
  readonly mode: number;
  /** Holds a secret: never printed, never logged, 0600. */
  readonly secret: boolean;
}

export interface RenderedFile {
  readonly path: string;
  readonly content: Buffer;
  readonly mode: number;
  readonly secret: boolean;
}

export type PostStep = 'install' | 'build' | 'git';

export interface Plan {
  readonly files: readonly PlannedFile[];
  readonly postSteps: readonly PostStep[];
}
