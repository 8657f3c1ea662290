/**
 * The plan: every file a run will write, as data. Features return plans instead of writing, so
 * --dry-run prints exactly what a real run writes, and tests check the plan without touching disk.
 */
import type { FeatureId, SlotText } from '../features/types.js';

export type FileSource =
  /** A file of templates/; rendered with handlebars when its name ends in .hbs, else copied as is. */
  | { readonly kind: 'template'; readonly file: string; readonly render: boolean }
  /** Content computed in code (the manifest, the .env with its fresh secret). */
  | { readonly kind: 'content'; readonly content: string }
  /** A team preset's file (src/presets/apply-files.ts): rendered with the same helpers when it ended in .hbs. */
  | { readonly kind: 'preset'; readonly content: Buffer; readonly render: boolean };

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

/** A feature's `sections/<file>` template: blocks that fill the slots of the shared file `target`. */
export interface PlannedSection {
  readonly target: string;
  readonly feature: FeatureId;
  readonly file: string;
  readonly render: boolean;
}

export interface Plan {
  readonly files: readonly PlannedFile[];
  readonly postSteps: readonly PostStep[];
  /** The features that apply, in their fixed order (the templates' `has` flags). */
  readonly features: readonly FeatureId[];
  readonly sections: readonly PlannedSection[];
  /** Slot text computed in code (e.g. the README's configuration table). */
  readonly slotTexts: readonly (SlotText & { readonly feature: FeatureId })[];
  /** What a team preset changed in this plan; SECURITY.md lists it. */
  readonly preset?: PresetPlan;
}

export interface PresetPlan {
  readonly name: string;
  readonly version: string;
  readonly hash: string;
  /** Generated files the preset replaced, core files among them listed again in `core`. */
  readonly replaced: readonly string[];
  /** Security core files the preset replaced (allowed only by `allowCoreOverrides`). */
  readonly core: readonly string[];
  /** Files the preset adds that the generator does not write. */
  readonly added: readonly string[];
}
