// Operational log. Guards against corrupting the stdio protocol stream (logs go to stderr, fd 2,
// never stdout) and against secrets in logs (redacted paths; the audit key is a Secret that prints
// as [REDACTED] anyway). Tool call records belong in the audit log, not here.
import { pino } from 'pino';
import type { Config } from './config.js';

export type Logger = pino.Logger;

/** Paths pino replaces with [REDACTED] wherever they appear in a log object. */
export const REDACT_PATHS = [
  'password', '*.password', 'secret', '*.secret', 'token', '*.token', 'apiKey', '*.apiKey',
  'authorization', '*.authorization', 'cookie', '*.cookie', 'auditHmacKey', '*.auditHmacKey',
  'req.headers.authorization', 'req.headers.cookie', 'args', '*.args',
];

export function createLogger(level: Config['logLevel'], destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination ?? pino.destination({ dest: 2, sync: true }),
  );
}
