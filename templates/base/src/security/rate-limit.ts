// Rate limiting. Guards against one client, principal or runaway agent loop exhausting the server: a
// budget per client address (HTTP, before authentication), per principal across all tools, and per
// (principal, tool). A refusal carries the retry time. Every limiter comes from ONE store: the one
// src/security/rate-limit-store.ts returns for this project.
// The two classes come from their own files, not the package's index, which loads every store it supports
// (~15 ms of every start); same classes, same module instances (src/types/rate-limiter-flexible.d.ts).
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import RateLimiterMemory from 'rate-limiter-flexible/lib/RateLimiterMemory.js';
import RateLimiterRes from 'rate-limiter-flexible/lib/RateLimiterRes.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createLimiterStore } from './rate-limit-store.js';

export type RateLimitKind = 'ip' | 'principal' | 'tool';
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number; limit: RateLimitKind };

export interface RateLimits {
  /** Consumes one point for the principal and, for a known tool, one for (principal, tool). */
  consume(principalId: string, tool?: { name: string; points?: number | undefined }): Promise<RateDecision>;
  /** Releases the store (Redis: quits the connection). */
  close(): Promise<void>;
}

export interface IpLimiter {
  /** One point per request for the client address as the caller counts it (IPv6: its /64). */
  consume(ipKey: string): Promise<RateDecision>;
  close(): Promise<void>;
}

/** Where limiters keep their counters. `name` separates key spaces (p, t:<tool>, ip). */
export interface LimiterStore {
  limiter(name: string, points: number, windowSeconds: number): RateLimiterAbstract;
  /** Settles once the store can count (Redis: first connect or first failure, bounded), so the calls
   *  made while it is still connecting are not counted by the local insurance limiter alone. */
  ready?(): Promise<void>;
  close(): Promise<void>;
}

/** Counters in this process only. */
export function memoryStore(): LimiterStore {
  return {
    limiter: (name, points, windowSeconds) => new RateLimiterMemory({ keyPrefix: name, points, duration: windowSeconds }),
    close: async () => {},
  };
}

export interface RateLimitOptions {
  points: number;
  windowSeconds: number;
}

function refusal(error: unknown, limit: RateLimitKind): RateDecision {
  // Only a RateLimiterRes is a refusal. The Redis store never rejects with anything else (its insurance
  // limiter answers during an outage); any other error is a bug and surfaces, it is never an "allow".
  if (!(error instanceof RateLimiterRes)) throw error;
  return { allowed: false, limit, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
}

async function consumeOne(limiter: RateLimiterAbstract, key: string, limit: RateLimitKind): Promise<RateDecision> {
  try {
    await limiter.consume(key);
    return { allowed: true };
  } catch (error) {
    return refusal(error, limit);
  }
}

/**
 * THE rate-limit check of one tools/call, wherever it is counted (stdio: in the guard; HTTP: before the
 * SDK, src/http/limits.ts): the principal's budget and, for a tool of the registry, its per-tool budget.
 */
export function consumeCallBudget(rateLimits: RateLimits, principalId: string, tool: { name: string; rateLimitPoints?: number | undefined } | undefined): Promise<RateDecision> {
  return rateLimits.consume(principalId, tool && { name: tool.name, points: tool.rateLimitPoints });
}

/** The words of a refused call's answer (the retry time is appended by the caller). */
export function rateLimitText(limit: RateLimitKind, toolName: string): string {
  return limit === 'tool' ? `Rate limit exceeded for tool "${toolName}"` : limit === 'ip' ? 'Rate limit exceeded for this address' : 'Rate limit exceeded for this caller';
}

/** The per-principal and per-(principal, tool) limits on a given store. */
export function buildRateLimits(store: LimiterStore, options: RateLimitOptions): RateLimits {
  const perPrincipal = store.limiter('p', options.points, options.windowSeconds);
  // One limiter per known tool (tool names come from our own registry, never from the request).
  const perTool = new Map<string, RateLimiterAbstract>();
  const toolLimiter = (name: string, points: number) => {
    let limiter = perTool.get(name);
    if (!limiter) {
      limiter = store.limiter(`t:${name}`, points, options.windowSeconds);
      perTool.set(name, limiter);
    }
    return limiter;
  };
  return {
    async consume(principalId, tool) {
      await store.ready?.();
      const principal = await consumeOne(perPrincipal, principalId, 'principal');
      if (!principal.allowed || !tool) return principal;
      return consumeOne(toolLimiter(tool.name, tool.points ?? options.points), principalId, 'tool');
    },
    close: () => store.close(),
  };
}

/** The per-client-address limit on a given store. */
export function buildIpLimiter(store: LimiterStore, options: RateLimitOptions): IpLimiter {
  const perIp = store.limiter('ip', options.points, options.windowSeconds);
  return {
    consume: async (ipKey) => {
      await store.ready?.();
      return consumeOne(perIp, ipKey, 'ip');
    },
    close: () => store.close(),
  };
}

/** Per-principal and per-(principal, tool) limits on the project's store (RATE_LIMIT_POINTS per window). */
export function createRateLimits(config: Config, logger: Logger): RateLimits {
  return buildRateLimits(createLimiterStore(config, logger), {
    points: config.rateLimitPoints,
    windowSeconds: config.rateLimitWindowSeconds,
  });
}

/** Per-client-address limit on the project's store; default 10 × RATE_LIMIT_POINTS per window (NAT, several keys). */
export function createIpLimiter(config: Config, logger: Logger, options: { points?: number; windowSeconds?: number } = {}): IpLimiter {
  return buildIpLimiter(createLimiterStore(config, logger), {
    points: options.points ?? config.rateLimitPoints * 10,
    windowSeconds: options.windowSeconds ?? config.rateLimitWindowSeconds,
  });
}

/** Memory-only limits (one process), whatever the project's store. */
export function createMemoryRateLimits(options: RateLimitOptions): RateLimits {
  return buildRateLimits(memoryStore(), options);
}
