/** The fetch_url tool and its SSRF guard (allowlist, address checks, pinned connections). */
import type { Feature } from './types.js';

export const fetchToolFeature: Feature = {
  id: 'tool-fetch',
  templateDir: 'tool-fetch',
  applies: (spec) => spec.tools.includes('fetch'),
};
