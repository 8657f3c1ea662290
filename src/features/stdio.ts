/** The stdio transport: entry point and its end-to-end test (nothing but protocol on stdout). */
import type { Feature } from './types.js';

export const stdioFeature: Feature = {
  id: 'stdio',
  templateDir: 'transport-stdio',
  applies: (spec) => spec.transport === 'stdio' || spec.transport === 'both',
  contributions: () => ({
    scripts: { 'start:stdio': 'node dist/transports/stdio.js' },
    entry: { name: 'stdio', rank: 1 },
  }),
};
