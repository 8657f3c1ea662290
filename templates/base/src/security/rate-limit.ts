// Rate limiting. Guards against one principal (or a runaway agent loop) exhausting the server: a
// budget per principal across all tools, and a budget per (principal, tool). A refusal carries the
// retry time. Memory store: one process; the HTTP issue adds a Redis store behind the same interface.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number; limit: 'principal' | 'tool' };

export interface RateLimits {
  /** Consumes one point for the principal and, for a known tool, one for (principal, tool). */
  consume(principalId: string, tool?: { name: string; points?: number | undefined }): Promise<RateDecision>;
}

export interface RateLimitOptions {
  points: number;
  windowSeconds: number;
}

function refusal(error: unknown, limit: 'principal' | 'tool'): RateDecision {
  if (!(error instanceof RateLimiterRes)) throw error; // a store failure is not a refusal: let it surface
  return { allowed: false, limit, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
}

export function createMemoryRateLimits(options: RateLimitOptions): RateLimits {
  const perPrincipal = new RateLimiterMemory({ keyPrefix: 'p', points: options.points, duration: options.windowSeconds });
  // One limiter per known tool (tool names come from our own registry, never from the request).
  const perTool = new Map<string, RateLimiterMemory>();
  const toolLimiter = (name: string, points: number) => {
    let limiter = perTool.get(name);
    if (!limiter) {
      limiter = new RateLimiterMemory({ keyPrefix: `t:${name}`, points, duration: options.windowSeconds });
      perTool.set(name, limiter);
    }
    return limiter;
  };
  return {
    async consume(principalId, tool) {
      try {
        await perPrincipal.consume(principalId);
      } catch (error) {
        return refusal(error, 'principal');
      }
      if (tool) {
        try {
          await toolLimiter(tool.name, tool.points ?? options.points).consume(principalId);
        } catch (error) {
          return refusal(error, 'tool');
        }
      }
      return { allowed: true };
    },
  };
}
