// A tiny npm registry on 127.0.0.1 for tests that fetch packages (update fetching an older generator, a
// preset by name@version) without the public registry: it serves a packument per package and the tarballs
// it was given, and 404 for everything else. It runs as its own process, so a test that runs the CLI with
// spawnSync (which blocks this process's event loop) still gets answers. Point npm at it with
// registryEnv(): npm_config_registry, and a fresh npm cache so nothing comes from an earlier run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** package name → version → path of its npm pack tarball. */
export type RegistryPackages = Record<string, Record<string, string>>;

export interface LocalRegistry {
  readonly url: string;
  /** Requests served so far ("GET /create-secure-mcp 200"), in order (after letting the server's output arrive). */
  requests(): Promise<string[]>;
  /** The environment for a child npm (or the CLI) to use this registry and a cache of its own. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

const SERVER = String.raw`
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
const packages = JSON.parse(process.argv[1]);
const server = createServer((req, res) => {
  const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
  const base = 'http://127.0.0.1:' + server.address().port;
  const send = (status, type, body) => {
    process.stdout.write(req.method + ' ' + url + ' ' + status + '\n');
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const tarball = /^\/(.+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(url);
  if (tarball && packages[tarball[1]]?.[tarball[2]]) return send(200, 'application/octet-stream', readFileSync(packages[tarball[1]][tarball[2]]));
  const name = url.slice(1);
  const versions = packages[name];
  if (!versions) return send(404, 'application/json', JSON.stringify({ error: 'Not found' }));
  const packument = { name, 'dist-tags': { latest: Object.keys(versions).at(-1) }, versions: {} };
  for (const [version, file] of Object.entries(versions)) {
    const bytes = readFileSync(file);
    packument.versions[version] = {
      name,
      version,
      dist: {
        tarball: base + '/' + name + '/-/' + name.split('/').at(-1) + '-' + version + '.tgz',
        shasum: createHash('sha1').update(bytes).digest('hex'),
        integrity: 'sha512-' + createHash('sha512').update(bytes).digest('base64'),
      },
    };
  }
  send(200, 'application/json', JSON.stringify(packument));
});
server.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + server.address().port + '\n'));
`;

export function startLocalRegistry(packages: RegistryPackages): Promise<LocalRegistry> {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'csm-registry-cache-'));
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', SERVER, JSON.stringify(packages)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    let buffer = '';
    let url: string | undefined;
    child.on('error', reject);
    child.on('exit', (code) => {
      if (url === undefined) reject(new Error(`the local registry exited (${code}) before listening`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) {
        const port = /^PORT (\d+)$/.exec(line);
        if (port && url === undefined) {
          url = `http://127.0.0.1:${port[1]}/`;
          const registryUrl = url;
          resolve({
            url: registryUrl,
            requests: () => new Promise((done) => setTimeout(() => done([...lines]), 200)),
            env: () => ({ npm_config_registry: registryUrl, npm_config_cache: cache, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' }),
            close: () =>
              new Promise((done) => {
                rmSync(cache, { recursive: true, force: true });
                if (child.exitCode !== null || child.signalCode !== null) return done();
                child.once('exit', () => done());
                child.kill();
              }),
          });
        } else if (line !== '') {
          lines.push(line);
        }
      }
    });
  });
}
