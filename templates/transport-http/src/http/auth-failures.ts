// Failed-authentication budget per client address. Guards against guessing credentials from one
// address: after AUTH_FAILURE_POINTS failed authentications in a window (RATE_LIMIT_WINDOW_SECONDS) the
// address gets 429 with Retry-After before its credential is even checked. A point is taken BEFORE the
// check and given back when the credential is good, so parallel guesses cannot all pass a check made
// before the first failure is counted, and clients that authenticate are not counted. Kept in the
// project's rate-limit store (Redis: shared by every instance). Not used with auth `none`.
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { LimiterStore } from '../security/rate-limit.js';
import { createLimiterStore } from '../security/rate-limit-store.js';

export type AttemptDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface AuthFailureLimiter {
  /** Takes one point for the address (IPv6: its /64); refused once the window's budget is spent. */
  attempt(bucket: string): Promise<AttemptDecision>;
  /** The credential was good: the point taken by attempt() goes back. */
  succeeded(bucket: string): Promise<void>;
  close(): Promise<void>;
}

export function buildAuthFailureLimiter(store: LimiterStore, options: { points: number; windowSeconds: number }): AuthFailureLimiter {
  const limiter: RateLimiterAbstract = store.limiter('authfail', options.points, options.windowSeconds);
  return {
    async attempt(bucket) {
      await store.ready?.();
      try {
        await limiter.consume(bucket);
        return { allowed: true };
      } catch (error) {
        // Only a RateLimiterRes is a refusal; anything else is a bug and surfaces (never an "allow").
        if (!(error instanceof RateLimiterRes)) throw error;
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
      }
    },
    async succeeded(bucket) {
      await limiter.reward(bucket, 1);
    },
    close: () => store.close(),
  };
}

/** AUTH_FAILURE_POINTS per RATE_LIMIT_WINDOW_SECONDS on the project's store; undefined with auth `none`. */
export function createAuthFailureLimiter(config: Config, logger: Logger, options: { points?: number } = {}): AuthFailureLimiter | undefined {
  const points = options.points ?? config.http.authFailurePoints;
  if (points === undefined) return undefined;
  return buildAuthFailureLimiter(createLimiterStore(config, logger), { points, windowSeconds: config.rateLimitWindowSeconds });
}
