// The `db:migrate` script (`node dist/cli/db-migrate.js`): applies pending database migrations, the same
// ones the servers apply at start. Guards against a half-applied schema (each run is one transaction;
// a failure leaves the schema as it was and exits 1) and against the database's location or credentials
// leaking: failures print the ConfigError's message (variable name and error code) only. Prints the applied
// migration names on stdout (one a line); everything else goes to stderr. Exit codes: 0 done, 1 failed.
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { closeResources, openResources, type Resources } from '../resources.js';

let resources: Resources | undefined;
let code = 0;
try {
  const config = loadConfig();
  resources = openResources(config, createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel));
  const { applied } = await resources.storage.migrate();
  for (const name of applied) process.stdout.write(`${name}\n`);
  process.stderr.write(applied.length === 0 ? 'db:migrate: the schema is up to date\n' : `db:migrate: applied ${applied.length} migration(s)\n`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`db:migrate: ${error.message}\n`);
  code = 1;
} finally {
  if (resources) await closeResources(resources).catch(() => undefined);
}
process.exitCode = code;
