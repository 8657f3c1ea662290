// Redis rate-limit store: counters shared by every server instance. Guards against
//  - limits that a client escapes by spreading calls over instances (one counter per key in Redis);
//  - an outage switching limiting off: each limiter has an in-memory insurance limiter with the same
//    points, so while Redis is unreachable limiting goes on per process (logged once, and the recovery);
//  - an outage stalling requests: no offline queue, no per-request retries, short connect and command
//    timeouts, so a call falls back to the insurance limiter at once instead of waiting on Redis;
//  - the password leaking: REDIS_URL is a Secret, the client gets parsed options, logs name host:port only.
import { Redis, type RedisOptions } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
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

export interface RedisStoreOptions {
  /** Overrides for tests (e.g. shorter timeouts). */
  client?: Partial<RedisOptions>;
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
  client.on('ready', () => {
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
      return new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `${config.keyPrefix}:${name}`,
        points,
        duration: windowSeconds,
        rejectIfRedisNotReady: true, // not connected → insurance at once
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration: windowSeconds }),
      });
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
