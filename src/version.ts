/** The generator's own version, read from its package.json (recorded in every secure-mcp.json). */
import { readFileSync } from 'node:fs';

export function generatorVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error('package.json has no version');
  return pkg.version;
}
