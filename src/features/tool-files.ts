/** The files tools (list_files, read_file) and the one path sandbox they read through. */
import type { Feature } from './types.js';

export const filesToolFeature: Feature = {
  id: 'files',
  templateDir: 'tool-files',
  applies: (spec) => spec.tools.includes('files'),
  contributions: () => ({
    config: {
      key: 'files',
      module: 'files',
      parse: 'parseFilesConfig',
      type: 'FilesConfig',
      doc: 'The files tools: their sandbox root and read cap (FILES_ROOT, FILES_MAX_BYTES).',
      // src/config.ts refuses a FILES_ROOT that holds the project root or any sensitive path.
      exposedFolders: "[['FILES_ROOT', s.root]]",
    },
    tools: { module: 'files', factory: 'filesTools' },
    dockerignore: ['# The files tools\' data (mounted at run time, never baked into the image)', 'sandbox'],
    env: [
      {
        comment: [
          'The files tools: the only folder they can read, and the most bytes one read returns (1 MiB).',
          'A FILES_ROOT that holds the project root, .env, .secrets/, the keys or the audit log is refused.',
        ],
        variables: [
          { name: 'FILES_ROOT', meaning: 'the only folder the files tools can see; one that holds the project root, `.env`, `.secrets/`, the keys or the audit log stops the server', default: '`./sandbox`', example: './sandbox' },
          { name: 'FILES_MAX_BYTES', meaning: 'largest file `read_file` returns', default: '`1048576` (1 MiB)', example: '1048576' },
        ],
      },
    ],
    testEnv: {
      imports: ["import fs from 'node:fs';", "import path from 'node:path';"],
      setup: ["fs.mkdirSync(path.join(dir, 'sandbox'));"],
      perServer: ["FILES_ROOT: path.join(dir, 'sandbox')"],
    },
  }),
};
