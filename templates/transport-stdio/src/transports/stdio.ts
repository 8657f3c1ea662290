// stdio entry point. Guards against corrupting the protocol stream (nothing but JSON-RPC on stdout:
// logs and start-up errors go to stderr) and against losing audit lines on shutdown (the log is
// closed and its lock released on SIGINT/SIGTERM/stdin end). Run as `node <abs>/dist/transports/stdio.js`.
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { AuditLogError } from '../security/audit.js';
import { buildServer } from '../server.js';

let runtime: Runtime;
try {
  const config = loadConfig();
  runtime = openRuntime(config, createLogger(config.logLevel));
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof AuditLogError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
const { logger } = runtime;
const handle = serveStdio(() => buildServer(runtime), { onerror: (err) => logger.warn({ err }, 'stdio transport error') });
logger.info({ tools: runtime.tools.map((t) => t.name) }, 'MCP server ready on stdio');

let closing = false;
async function shutdown(reason: string): Promise<void> {
  if (closing) return;
  closing = true;
  logger.info({ reason }, 'shutting down');
  await handle.close().catch((err: unknown) => logger.warn({ err }, 'error while closing the transport'));
  await runtime.drain(); // running calls are aborted; let each write its audit line
  await runtime.close(); // audit writes are synchronous: nothing to flush; releases the lock, then the limiter store
  setTimeout(() => process.exit(0), 1000).unref(); // a handler ignoring its signal must not keep us alive
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.stdin.once('end', () => void shutdown('stdin closed'));
process.on('uncaughtException', (err) => {
  logger.fatal({ err }, 'uncaught exception');
  void runtime.close(); // closes the audit log synchronously before exiting
  process.exit(1);
});
