/**
 * Slots: how features add to a shared template without the template knowing them. A shared template
 * writes `{{slot "name"}}`; each feature's `sections/<file>` holds blocks that start with a line
 * `@@slot name`. Block contributions are joined by newlines (a slot alone on its line vanishes when
 * nobody fills it); `{{slot "name" inline=true}}` joins them with nothing, for lists inside a sentence;
 * `{{#slot "name"}}fallback{{/slot}}` renders its own content only when nobody fills the slot (the
 * "not applicable" text of a checklist row, say), so the shared file needs no conditional for it.
 * A block for a slot its file does not have is an error, so no contribution is silently dropped.
 */
import { CliError } from '../errors.js';

const MARKER = /^@@slot ([a-z][a-z0-9-]*)\s*$/;
/** Stands for an empty block slot until the line it sits on is removed. */
export const EMPTY_SLOT = '\u0000empty-slot\u0000';

export interface SlotBlock {
  readonly slot: string;
  readonly content: string;
}

/** Splits a rendered section file into its blocks. */
export function parseSections(text: string, where: string): SlotBlock[] {
  const blocks: { slot: string; lines: string[] }[] = [];
  for (const line of text.split('\n')) {
    const marker = MARKER.exec(line);
    if (marker) blocks.push({ slot: marker[1] as string, lines: [] });
    else if (blocks.length > 0) blocks.at(-1)?.lines.push(line);
    else if (line.trim() !== '') throw new CliError('INTERNAL', `${where}: text before the first @@slot line.`);
  }
  return blocks.map((block) => ({ slot: block.slot, content: block.lines.join('\n').trimEnd() }));
}

/** The filled slots of one file, recording which the template used. */
export class FileSlots {
  readonly #parts = new Map<string, string[]>();
  readonly #used = new Set<string>();
  constructor(readonly file: string) {}

  add(slot: string, content: string): void {
    const parts = this.#parts.get(slot) ?? [];
    parts.push(content);
    this.#parts.set(slot, parts);
  }

  fill(slot: string, inline: boolean): string {
    this.#used.add(slot);
    const parts = this.#parts.get(slot) ?? [];
    if (parts.length === 0) return inline ? '' : EMPTY_SLOT;
    return parts.join(inline ? '' : '\n');
  }

  /** Block form: the contributions as whole lines, or undefined so the template's fallback renders. */
  fillBlock(slot: string): string | undefined {
    this.#used.add(slot);
    const parts = this.#parts.get(slot) ?? [];
    return parts.length === 0 ? undefined : `${parts.join('\n')}\n`;
  }

  /** Throws when a contribution names a slot the template never rendered. */
  assertAllUsed(): void {
    for (const slot of this.#parts.keys()) {
      if (!this.#used.has(slot)) throw new CliError('INTERNAL', `${this.file} has no slot "${slot}", but a feature fills it.`);
    }
  }
}

/** Removes the lines of slots nobody filled. */
export function dropEmptySlots(text: string): string {
  return text.replace(/^[ \t]*\u0000empty-slot\u0000[ \t]*\r?\n/gm, '').replaceAll(EMPTY_SLOT, '');
}
