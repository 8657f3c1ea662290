// What the cert:dev script says when openssl cannot be run. Guards against a dead end on the systems
// where openssl is usually missing from PATH (Windows) or is another implementation (macOS ships
// LibreSSL): the message names the system, how to get openssl there, and the alternative — any
// certificate and key from another tool, set as TLS_CERT_FILE and TLS_KEY_FILE.
import type { HostPlatform } from '../security/platform.js';

/** The message for `openssl` not found on PATH, for the given system. */
export function opensslMissingMessage(platform: Pick<HostPlatform, 'os'>): string {
  const alternative =
    'Or make a localhost certificate with another tool (for example mkcert) and set TLS_CERT_FILE and TLS_KEY_FILE in .env.';
  switch (platform.os) {
    case 'win32':
      return [
        'openssl was not found on PATH: Windows does not ship it.',
        'Git for Windows includes one (add C:\\Program Files\\Git\\usr\\bin to PATH), or install it: winget install ShiningLight.OpenSSL.Light.',
        alternative,
        'Then run the cert:dev script again.',
      ].join('\n');
    case 'darwin':
      return ['openssl was not found on PATH. Install OpenSSL: brew install openssl, and put its bin folder first on PATH.', alternative, 'Then run the cert:dev script again.'].join('\n');
    default:
      return ['openssl was not found on PATH. Install it (Debian/Ubuntu: apt-get install openssl; Fedora: dnf install openssl; Alpine: apk add openssl).', alternative, 'Then run the cert:dev script again.'].join('\n');
  }
}

/** A line added after openssl's own error: macOS's /usr/bin/openssl is LibreSSL, which may not know every option used. */
export function opensslFailedHint(platform: Pick<HostPlatform, 'os'>): string {
  return platform.os === 'darwin'
    ? "macOS's /usr/bin/openssl is LibreSSL; if it rejected an option, install OpenSSL (brew install openssl), put its bin folder first on PATH and run the cert:dev script again.\n"
    : '';
}
