/** Rate limits shared across instances through Redis, with a local insurance limiter for outages. */
import type { Feature } from './types.js';

export const redisFeature: Feature = {
  id: 'redis',
  templateDir: 'rate-limit-redis',
  applies: (spec) => spec.rateLimitStore === 'redis',
  contributions: (spec) => ({
    dependencies: ['ioredis'],
    config: { key: 'redis', module: 'redis', parse: 'parseRedisConfig', type: 'RedisConfig', doc: 'Shared rate-limit store (REDIS_URL, REDIS_KEY_PREFIX, RATE_LIMIT_INSTANCES).' },
    env: [
      {
        comment: [
          'REQUIRED. The Redis that shares the rate limits between instances: redis:// or rediss:// (TLS),',
          'credentials in the URL (kept secret, never logged; no ?options). While Redis is unreachable or stops',
          'answering, each instance keeps limiting on its own and logs the outage and the recovery.',
          'A private CA for rediss://: NODE_EXTRA_CA_CERTS=/path/ca.pem. Keys are prefixed so projects sharing',
          'one Redis never share counters (default: the package name + ":rl").',
        ],
        variables: [
          { name: 'REDIS_URL', meaning: '**secret** (may hold a password). Redis that shares the rate limits between instances: `redis://` or `rediss://` (TLS); while it is unreachable each instance limits on its own and logs it', default: 'required', example: 'redis://127.0.0.1:6379', live: true },
          { name: 'REDIS_KEY_PREFIX', meaning: 'prefix of the rate-limit keys, so projects sharing one Redis never share counters', default: `\`${spec.name}:rl\``, example: `${spec.name}:rl` },
        ],
      },
      {
        comment: [
          'RATE_LIMIT_INSTANCES: how many server instances share these limits. During a Redis outage each',
          'instance limits on its own to its share of every budget (points / instances, at least 1), so the',
          'instances together still allow about one budget. Set it to the number of replicas you run.',
        ],
        variables: [
          { name: 'RATE_LIMIT_INSTANCES', meaning: 'server instances sharing the limits; while Redis is out each instance allows its share (points / instances, at least 1)', default: '`1`', example: '1' },
        ],
      },
    ],
    dotenv: ['', '# Shared rate-limit counters (a local Redis for development).', 'REDIS_URL=redis://127.0.0.1:6379'],
    testEnv: {
      imports: ["import { randomBytes } from 'node:crypto';"],
      required: [
        "// A random key prefix per test run: runs never share counters, and keys expire with the window.",
        "REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379'",
        "REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}:rl`",
      ],
      perServer: ["// Each test server counts in its own key space unless a test shares one on purpose.", "REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}:rl`"],
    },
  }),
};
