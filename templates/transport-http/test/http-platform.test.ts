// HTTP on other systems, with the platform faked (passed in, no global patched): the TLS key's mode
// and owner checks (POSIX only: on Windows ACLs decide and the start-up notice says so), and what
// cert:dev says when openssl is missing (Windows does not ship it; macOS ships LibreSSL).
import { describe, expect, it } from 'vitest';
import { keyFileProblem } from '../src/config/http.js';
import { opensslFailedHint, opensslMissingMessage } from '../src/cli/openssl-hint.js';
import { platformFor } from '../src/security/platform.js';

const windows = platformFor('win32', {});
const macos = platformFor('darwin', { O_NOFOLLOW: 0x100 }, 501);

describe('TLS_KEY_FILE checks per system', () => {
  it('POSIX (macOS faked): a key others can read is refused with the chmod fix; another owner too', () => {
    expect(keyFileProblem('/k/key.pem', { mode: 0o100644, uid: 501 }, macos)).toMatch(/readable or writable by group or others \(mode 644\).*chmod 600 \/k\/key\.pem/);
    expect(keyFileProblem('/k/key.pem', { mode: 0o100600, uid: 4242 }, macos)).toMatch(/^TLS_KEY_FILE \/k\/key\.pem is owned by another user \(uid 4242/);
  });
  it('Windows: mode bits and uids mean nothing there; not refused on them', () => {
    expect(keyFileProblem('C:\\k\\key.pem', { mode: 0o100666, uid: 0 }, windows)).toBeUndefined();
  });
});

describe('cert:dev without openssl', () => {
  it('Windows: says Windows does not ship it, where to get it, and the alternative', () => {
    const message = opensslMissingMessage(windows);
    expect(message).toMatch(/Windows does not ship it/);
    expect(message).toMatch(/Git for Windows/);
    expect(message).toMatch(/winget install/);
    expect(message).toMatch(/TLS_CERT_FILE and TLS_KEY_FILE/);
  });
  it('macOS: brew; Linux: the distribution packages', () => {
    expect(opensslMissingMessage(macos)).toMatch(/brew install openssl/);
    expect(opensslMissingMessage(platformFor('linux', {}, 1000))).toMatch(/apt-get install openssl/);
  });
  it('macOS adds a LibreSSL hint to an openssl failure; other systems add nothing', () => {
    expect(opensslFailedHint(macos)).toMatch(/LibreSSL/);
    expect(opensslFailedHint(windows)).toBe('');
  });
});
