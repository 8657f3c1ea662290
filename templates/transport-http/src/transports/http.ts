// HTTP entry point (Streamable HTTP, stateless). Guards against a half-started server: a bad setting
// (see src/config/http.ts) stops the start with one message naming the variable and exit code 1, and
// SIGTERM/SIGINT drain running calls and close the audit log before the process exits.
import { ConfigError, loadConfig } from '../config.js';
import { httpRuntimeOptions } from '../http/app.js';
import { createAuthFailureLimiter } from '../http/auth-failures.js';
import { selectAuthenticator } from '../http/select-authenticator.js';
import { startHttpServer } from '../http/server.js';
import { createLogger } from '../logger.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { AuditLogError } from '../security/audit.js';
import type { Authenticator } from '../security/authenticator.js';
import { createIpLimiter } from '../security/rate-limit.js';
import { shutdownSignals } from '../security/platform.js';

let runtime: Runtime | undefined;
let authenticator: Authenticator;
try {
  const loaded = loadConfig();
  runtime = openRuntime(loaded, createLogger(loaded.logLevel), httpRuntimeOptions);
  await runtime.prepare(); // readies src/resources.ts: a failure is a refusal to start
  // Inside the try: an authenticator that cannot be set up (missing settings, an unsafe file) is a
  // refusal to start, not a crash.
  authenticator = selectAuthenticator(runtime);
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof AuditLogError)) throw error;
  process.stderr.write(`${error.message}\n`);
  await runtime?.close(); // closes the audit segment opened by openRuntime (with its end record)
  process.exit(1);
}
const { config, logger } = runtime;
const handle = await startHttpServer({
  runtime,
  http: config.http,
  authenticator,
  ipLimiter: createIpLimiter(config, logger),
  authFailures: createAuthFailureLimiter(config, logger),
}).catch(async (error: NodeJS.ErrnoException) => {
  process.stderr.write(`Cannot listen on ${config.http.host}:${config.http.port} (HOST, PORT): ${error.code ?? error.message}\n`);
  await runtime.close();
  process.exit(1);
});

async function stop(reason: string): Promise<void> {
  setTimeout(() => process.exit(1), config.toolTimeoutMs + 10_000).unref(); // a stuck close must not hang us
  await handle.shutdown(reason);
  process.exit(0);
}
// SIGTERM and SIGINT; on Windows, where SIGTERM is never delivered, SIGINT and Ctrl+Break (SIGBREAK).
for (const signal of shutdownSignals()) process.once(signal, () => void stop(signal));
process.on('uncaughtException', (err) => {
  logger.fatal({ err }, 'uncaught exception');
  void runtime.close();
  process.exit(1);
});
