/** Rate-limit counters kept in this process (`--rate-limit-store memory`, and every stdio-only project). */
import type { Feature } from './types.js';

export const memoryFeature: Feature = {
  id: 'memory',
  templateDir: 'rate-limit-memory',
  applies: (spec) => spec.rateLimitStore === 'memory',
};
