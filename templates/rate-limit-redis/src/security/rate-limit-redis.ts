// Redis rate-limit store: counters shared by every server instance. Guards against
//  - limits that a client escapes by spreading calls over instances (one counter per key in Redis);
//  - an outage switching limiting off: each limiter has an in-memory insurance limiter with the same
//    points, so while Redis is unreachable limiting goes on per process (logged once, and the recovery);
//  - an outage stalling requests: no offline queue, no per-request retries, short connect and command
//    timeouts, so a call falls back to the insurance limiter at once instead of waiting on Redis; and a
//    circuit breaker for a Redis that accepts connections but never answers (frozen, overloaded): after
//    REDIS_BREAKER_DEFAULTS.timeouts command timeouts in a row Redis is skipped for a cool-down (logged
//    once), then one call tries it again — without it every call would wait out each command timeout;
//  - an outage multiplying the budget: the insurance limiter of each instance gets RATE_LIMIT_INSTANCES-th
//    of the points (at least 1), so N instances limiting on their own still allow about one budget;
//  - the password leaking: REDIS_URL is a Secret, the client gets parsed options, logs name host:port only.
import { Redis, type RedisOptions } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { redisEndpoint, type RedisConfig } from '../config/redis.js';
import type { Logger } from '../logger.js';
import type { LimiterStore } from './rate-limit.js';

/** Fail-fast client settings: a request never waits on an unreachable Redis. */
export const REDIS_CLIENT_DEFAULTS = {
  connectTimeout: 1000,
  commandTimeout: 500,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  // Keep reconnecting in the background (every ≤ 2 s) for as long as the server runs.
  retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
} satisfies RedisOptions;

/** Circuit breaker: after `timeouts` command timeouts in a row, skip Redis for `coolDownMs`. */
export const REDIS_BREAKER_DEFAULTS = { timeouts: 3, coolDownMs: 10_000 };

export interface RedisStoreOptions {
  /** Overrides for tests (e.g. shorter timeouts). */
  client?: Partial<RedisOptions>;
  breaker?: Partial<typeof REDIS_BREAKER_DEFAULTS>;
}

type Attempt<T> = () => Promise<T>;

/**
 * Decides per call whether Redis is tried. Closed: always. Open (after `timeouts` command timeouts in a
 * row): never, until the cool-down ends; then one call at a time tries it (half-open) and success
 * closes it. A reconnect ('ready') closes it too. Only timeouts count: a Redis that is down already
 * fails at once (the client is not ready and the limiter does not wait).
 */
class Breaker {
  private timeoutsInRow = 0;
  private openUntil = 0;
  constructor(
    private readonly settings: typeof REDIS_BREAKER_DEFAULTS,
    private readonly log: Logger,
  ) {}

  async run<T>(redis: Attempt<T>, local: Attempt<T>): Promise<T> {
    const now = Date.now();
    if (this.openUntil > now) return local();
    const probing = this.openUntil !== 0;
    if (probing) this.openUntil = now + this.settings.coolDownMs; // one probe per cool-down; the others stay local
    let value: T;
    try {
      value = await redis();
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        this.close(); // Redis answered: a refusal is an answer
        throw error;
      }
      if (error instanceof Error && /timed out/i.test(error.message)) this.timedOut(probing);
      return local();
    }
    this.close();
    return value;
  }

  close(): void {
    if (this.openUntil !== 0) this.log.warn('rate-limit store answers again; limits are shared again');
    this.timeoutsInRow = 0;
    this.openUntil = 0;
  }

  private timedOut(probing: boolean): void {
    this.timeoutsInRow += 1;
    if (probing || this.timeoutsInRow < this.settings.timeouts || this.openUntil !== 0) return;
    this.openUntil = Date.now() + this.settings.coolDownMs;
    this.log.error(
      { timeouts: this.timeoutsInRow, coolDownMs: this.settings.coolDownMs },
      'rate-limit store does not answer; skipping it and limiting locally (per instance), retrying after each cool-down',
    );
  }
}

/** A Redis limiter that asks the breaker before each call and answers from its insurance limiter when Redis is skipped or fails. */
class GuardedRedisLimiter extends RateLimiterRedis {
  constructor(
    options: ConstructorParameters<typeof RateLimiterRedis>[0],
    private readonly local: RateLimiterMemory,
    private readonly breaker: Breaker,
  ) {
    super(options); // no insuranceLimiter of its own: a Redis failure rejects with an Error, seen by the breaker
  }
  override consume(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    return this.breaker.run(() => super.consume(key, points, options), () => this.local.consume(key, points, options));
  }
  override penalty(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    return this.breaker.run(() => super.penalty(key, points, options), () => this.local.penalty(key, points, options));
  }
  override reward(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    return this.breaker.run(() => super.reward(key, points, options), () => this.local.reward(key, points, options));
  }
  override get(key: string | number, options?: Record<string, unknown>): Promise<RateLimiterRes | null> {
    return this.breaker.run(() => super.get(key, options), () => this.local.get(key, options));
  }
}

export function createRedisStore(config: RedisConfig | undefined, logger: Logger, options: RedisStoreOptions = {}): LimiterStore {
  if (!config) throw new Error('the Redis rate-limit store needs config.redis (REDIS_URL)');
  const endpoint = redisEndpoint(config.url);
  const where = `${endpoint.tls ? 'rediss' : 'redis'}://${endpoint.host}:${endpoint.port}`; // no credentials
  const log = logger.child({ component: 'rate-limit-store', redis: where });
  if (!endpoint.tls && endpoint.password !== undefined && !/^(127\.|localhost$|::1$)/.test(endpoint.host)) {
    log.warn('REDIS_URL sends a password without TLS to a non-loopback host; use rediss://');
  }

  const client = new Redis({
    host: endpoint.host,
    port: endpoint.port,
    db: endpoint.db,
    ...(endpoint.username === undefined ? {} : { username: endpoint.username }),
    ...(endpoint.password === undefined ? {} : { password: endpoint.password }),
    ...(endpoint.tls ? { tls: { servername: endpoint.host, minVersion: 'TLSv1.2' as const } } : {}),
    ...REDIS_CLIENT_DEFAULTS,
    ...options.client,
  });

  // Outage and recovery are each logged once per transition, never per request.
  let state: 'connecting' | 'up' | 'down' = 'connecting';
  const markDown = (reason: string) => {
    if (state === 'down') return;
    state = 'down';
    log.error({ reason }, 'rate-limit store unreachable; limiting locally (per process) until Redis is back');
  };
  const breaker = new Breaker({ ...REDIS_BREAKER_DEFAULTS, ...options.breaker }, log);
  client.on('ready', () => {
    breaker.close();
    if (state === 'down') log.warn('rate-limit store recovered; limits are shared again');
    else log.info('rate-limit store connected');
    state = 'up';
  });
  // An 'error' listener also keeps ioredis from printing "Unhandled error event" itself.
  client.on('error', (error: NodeJS.ErrnoException) => markDown(error.code ?? error.name));
  client.on('close', () => {
    if (state === 'up') markDown('connection closed');
  });

  // The first connect (or its failure) is awaited before counting, at most connectTimeout + a margin:
  // a call that beat the connection would otherwise be counted by the insurance limiter only, and the
  // shared counter would then allow one call too many.
  const connectWindow = (options.client?.connectTimeout ?? REDIS_CLIENT_DEFAULTS.connectTimeout) + 100;
  const firstConnect = new Promise<void>((resolve) => {
    const settle = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(settle, connectWindow);
    timer.unref();
    client.once('ready', settle);
    client.once('error', settle);
  });

  let closed = false;
  return {
    ready: () => firstConnect,
    limiter(name, points, windowSeconds) {
      // While Redis is out each instance limits alone: its share of the budget, not the whole of it.
      const localPoints = Math.max(1, Math.floor(points / config.instances));
      return new GuardedRedisLimiter(
        {
          storeClient: client,
          keyPrefix: `${config.keyPrefix}:${name}`,
          points,
          duration: windowSeconds,
          rejectIfRedisNotReady: true, // not connected → insurance at once
        },
        new RateLimiterMemory({ keyPrefix: name, points: localPoints, duration: windowSeconds }),
        breaker,
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      state = 'down'; // no outage message for our own shutdown
      try {
        if (client.status === 'ready') await client.quit();
        else client.disconnect();
      } catch {
        client.disconnect();
      }
    },
  };
}
