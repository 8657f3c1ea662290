// The rate-limit store of this project: memory. Guards against limiters that disagree: every limiter
// (per principal, per tool, and per address on HTTP) is built from the store returned here, and its
// counters live in this process only — several instances each count on their own.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { memoryStore, type LimiterStore } from './rate-limit.js';

export function createLimiterStore(_config: Config, _logger: Logger): LimiterStore {
  return memoryStore();
}
