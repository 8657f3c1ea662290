/** The files tools (list_files, read_file) and the one path sandbox they read through. */
import type { Feature } from './types.js';

export const filesToolFeature: Feature = {
  id: 'tool-files',
  templateDir: 'tool-files',
  applies: (spec) => spec.tools.includes('files'),
};
