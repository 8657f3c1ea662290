/** The notes tools (search_notes, add_note, delete_note): per-principal notes in the project's database. */
import type { Feature } from './types.js';

export const notesToolFeature: Feature = {
  id: 'notes',
  templateDir: 'tool-notes',
  applies: (spec) => spec.tools.includes('notes'),
  contributions: () => ({
    tools: { module: 'notes', factory: 'notesTools' },
  }),
};
