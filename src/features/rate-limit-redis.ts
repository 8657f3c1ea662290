/** Rate limits shared across instances through Redis, with a local insurance limiter for outages. */
import type { Feature } from './types.js';

export const redisFeature: Feature = {
  id: 'rate-limit-redis',
  templateDir: 'rate-limit-redis',
  applies: (spec) => spec.rateLimitStore === 'redis',
};
