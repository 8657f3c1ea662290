// The `cert:dev` script (`node dist/cli/cert-dev.js`): a self-signed DEVELOPMENT certificate for localhost, 127.0.0.1 and ::1.
// Guards against shell injection (openssl runs via execFile with an argument array, no shell), against
// leaking the key (written 0600 into .secrets/tls/, a 0700 directory that .gitignore and
// .dockerignore exclude) and against overwriting an existing pair by accident (--force to replace).
// No network. Never use this certificate in production. On Windows the 0600/0700 modes below only
// clear the read-only bit (ACLs decide there; .secrets/ stays as private as the project folder).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../config.js';
import { hostPlatform } from '../security/platform.js';
import { opensslFailedHint, opensslMissingMessage } from './openssl-hint.js';

const run = promisify(execFile);
const outIndex = process.argv.indexOf('--out');
const outArg = outIndex === -1 ? undefined : process.argv[outIndex + 1];
if (outIndex !== -1 && (outArg === undefined || outArg.startsWith('-'))) {
  process.stderr.write('usage: node dist/cli/cert-dev.js [--out <directory>] [--force]   (the cert:dev script)\n');
  process.exit(1);
}
const dir = outArg === undefined ? path.join(PROJECT_ROOT, '.secrets', 'tls') : path.resolve(outArg);
const certFile = path.join(dir, 'dev-cert.pem');
const keyFile = path.join(dir, 'dev-key.pem');
const force = process.argv.includes('--force');
const days = 30;

if (!force && (fs.existsSync(certFile) || fs.existsSync(keyFile))) {
  process.stderr.write(`A development certificate already exists in ${dir}; pass --force to replace it (node dist/cli/cert-dev.js --force).\n`);
  process.exit(1);
}
fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
fs.chmodSync(dir, 0o700);
// Generate into a private temp dir, then move into place: no moment where the key is readable by others.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cert-dev-'));
try {
  await run(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256',
      '-days', String(days), '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,digitalSignature,keyCertSign',
      '-addext', 'extendedKeyUsage=serverAuth',
      '-keyout', path.join(work, 'key.pem'), '-out', path.join(work, 'cert.pem'),
    ],
    { timeout: 30_000 },
  );
  fs.chmodSync(path.join(work, 'key.pem'), 0o600);
  fs.copyFileSync(path.join(work, 'key.pem'), keyFile);
  fs.chmodSync(keyFile, 0o600);
  fs.copyFileSync(path.join(work, 'cert.pem'), certFile);
  fs.chmodSync(certFile, 0o644);
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  process.stderr.write(
    code === 'ENOENT'
      ? `${opensslMissingMessage(hostPlatform)}\n`
      : `openssl failed: ${(error as { stderr?: string }).stderr?.trim() ?? String(error)}\n${opensslFailedHint(hostPlatform)}`,
  );
  process.exit(1);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
const rel = (file: string) => (outArg === undefined ? `./${path.relative(PROJECT_ROOT, file).split(path.sep).join('/')}` : file);
process.stdout.write(
  [
    `Development certificate (self-signed, ${days} days, SANs localhost, 127.0.0.1, ::1):`,
    `  certificate: ${certFile}`,
    `  private key: ${keyFile} (mode 0600${outArg === undefined ? ', git- and docker-ignored' : ''})`,
    '',
    'Add to .env to serve HTTPS:',
    `TLS_CERT_FILE=${rel(certFile)}`,
    `TLS_KEY_FILE=${rel(keyFile)}`,
    '',
    `Clients must trust the certificate, e.g. NODE_EXTRA_CA_CERTS=${certFile}. Development only.`,
    '',
  ].join('\n'),
);
