// Failed-authentication budget per client address. Guards against guessing credentials from one
// address: after AUTH_FAILURE_POINTS failed authentications in a window (RATE_LIMIT_WINDOW_SECONDS) the
// address gets 429 with Retry-After before its credential is even checked. A point is taken BEFORE the
// check and given back when the credential is good, so parallel guesses cannot all pass a check made
// before the first failure is counted, and clients that authenticate are not counted.
// Guards as well against locking out good clients: an attempt refused by the budget was never checked,
// so its point goes straight back (refusals never lengthen a lockout), and an attempt refused while this
// process is still checking others from the same address waits for those to finish and tries again —
// a burst of good requests (an agent calling tools in parallel, many users behind one NAT, a slow
// authenticator or store) is checked a budget at a time instead of refused. Kept in the project's
// rate-limit store (Redis: shared by every instance; attempts in flight on another instance are not
// waited for). Not used with auth `none`.
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import RateLimiterRes from 'rate-limiter-flexible/lib/RateLimiterRes.js'; // its own file: see src/security/rate-limit.ts
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { LimiterStore } from '../security/rate-limit.js';
import { createLimiterStore } from '../security/rate-limit-store.js';

/** An attempt that may go on to the check; settle() it exactly once with the check's outcome. */
export interface AttemptPermit {
  readonly allowed: true;
  /** ok: the credential was good, the point goes back; otherwise the point stays (a failure). */
  settle(ok: boolean): Promise<void>;
}

export type AttemptDecision = AttemptPermit | { readonly allowed: false; readonly retryAfterSeconds: number };

export interface AuthFailureLimiter {
  /** Takes one point for the address (IPv6: its /64); refused once the window's budget is spent by failures. */
  attempt(bucket: string): Promise<AttemptDecision>;
  close(): Promise<void>;
}

/** Re-asks after a refusal that a concurrent good outcome may have made stale (see attempt()). */
const STALE_RETRIES = 3;

export function buildAuthFailureLimiter(store: LimiterStore, options: { points: number; windowSeconds: number }): AuthFailureLimiter {
  const limiter: RateLimiterAbstract = store.limiter('authfail', options.points, options.windowSeconds);
  // This process's attempts between their point and their outcome, per address: what a refusal waits for.
  const inFlight = new Map<string, Set<Promise<void>>>();
  // Good outcomes so far (points given back), any address: a refusal computed while one landed may be stale.
  let rewards = 0;

  /** One point, or the refusal; a refused point is given back at once (the attempt is never checked). */
  async function take(bucket: string): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
    await store.ready?.();
    try {
      await limiter.consume(bucket);
      return { allowed: true };
    } catch (error) {
      // Only a RateLimiterRes is a refusal; anything else is a bug and surfaces (never an "allow").
      if (!(error instanceof RateLimiterRes)) throw error;
      await limiter.reward(bucket, 1);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
    }
  }

  function permit(bucket: string): AttemptPermit {
    let done!: () => void;
    const settled = new Promise<void>((resolve) => (done = resolve));
    const running = inFlight.get(bucket) ?? new Set<Promise<void>>();
    running.add(settled);
    inFlight.set(bucket, running);
    let open = true;
    return {
      allowed: true,
      async settle(ok) {
        if (!open) return;
        open = false;
        try {
          if (ok) {
            await limiter.reward(bucket, 1);
            rewards++;
          }
        } finally {
          running.delete(settled);
          if (running.size === 0 && inFlight.get(bucket) === running) inFlight.delete(bucket);
          done();
        }
      },
    };
  }

  return {
    async attempt(bucket) {
      let staleRetries = 0;
      for (;;) {
        const rewardsBefore = rewards;
        const decision = await take(bucket);
        if (decision.allowed) return permit(bucket);
        // Refused while this process still checks other attempts from the address: their outcomes decide
        // (good ones give their points back), so wait for them and try again. Each round waits for
        // attempts that started earlier, so a flood of failures ends in a refusal, not a loop.
        const running = inFlight.get(bucket);
        if (running !== undefined && running.size > 0) {
          await Promise.all([...running]);
          continue;
        }
        // Nothing in flight now, but a good attempt may have given its point back while the store answered
        // this one (the refusal was decided on a count that no longer holds): ask again, a bounded number of
        // times, so a busy process cannot keep a refused attempt waiting.
        if (rewards !== rewardsBefore && staleRetries < STALE_RETRIES) {
          staleRetries++;
          continue;
        }
        return decision;
      }
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
