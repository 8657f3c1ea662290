// The rate-limit store of this project: Redis. Guards against limiters that disagree: every limiter
// (per principal, per tool, and per address on HTTP) is built from the store returned here, shared by
// every instance through REDIS_URL, with an in-memory insurance limiter while Redis is unreachable
// (see rate-limit-redis.ts).
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { LimiterStore } from './rate-limit.js';
import { createRedisStore } from './rate-limit-redis.js';

export function createLimiterStore(config: Config, logger: Logger): LimiterStore {
  return createRedisStore(config.redis, logger);
}
