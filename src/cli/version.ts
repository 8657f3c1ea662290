/** The generator's own version, recorded in every secure-mcp.json: read from package.json two levels up (src/cli/, dist/cli/ and dist/bundle/ alike). */
import { readFileSync } from 'node:fs';

export function generatorVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error('package.json has no version');
  return pkg.version;
}
