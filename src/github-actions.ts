/**
 * The GitHub Actions a generated project's CI workflow uses, each pinned to a full commit SHA with its
 * release tag in a comment. Guards against a moved or hijacked tag running other code with the
 * workflow's token (a tag can be re-pointed; a commit SHA cannot). One place, so an update is one edit;
 * Dependabot or Renovate in the generated project keep the pins current from then on.
 *
 * Each SHA ↔ tag pairing was read (2026-12, without network access to GitHub) from at least two
 * independent public repositories in the code index showing the same `owner/action@<sha> # <tag>`:
 *
 * - actions/checkout v6.1.0 = d23441a48e516b6c34aea4fa41551a30e30af803: a workflow whose checkout step
 *   checks out `github.event.p…` with a 15-minute timeout (index file 61395835285); a CI self-test shell
 *   script comparing pinned, tag and branch lines (63469406170); a pinning guide listing it next to
 *   pullfrog/pullfrog (57917301085). Newer than v6.0.2 (de0fac2e…, also widely seen).
 * - actions/setup-node v6.5.0 = 249970729cb0ef3589644e2896645e5dc5ba9c38: a byte-exact pin list next to
 *   upload-artifact (67123419003); a docs-site workflow with `node-version-file: website/.nvmrc`
 *   (68845015233); a repin note finishing a series of commits (59521700089). (v7.0.0 exists; the brief
 *   keeps setup-node on v6.)
 * - pnpm/action-setup v6.0.10 = 0977fd99725f1db4007ccb2928dbb4e90d06cc86: vexl-it/vexl PR #2672 and
 *   pnoker/iot-dc3 PR #171 (0977fd9, v6.0.10); a pin table "matching commit and GitHub verified
 *   signature" (65992406879); a review note listing it `# v6.0.10` beside gitleaks (57386951984). v6 runs on
 *   the Node 24 action runtime and reads the pnpm version from package.json "packageManager".
 * - github/codeql-action/upload-sarif v4.31.9 = 5d4e8d1aca955e8d8589aabd499c5cae939e33c7: a pin table of
 *   actions and tags (index file 7876464695); a Go workflow generator's `codeql-action/init` step
 *   (36403403481); a SARIF upload after a grype scan (61345112082); a pinact example (54785046806).
 * - oven-sh/setup-bun v2.2.0 = 0c5077e51419868618aeaa5fe8019c62421857d6: a composite action
 *   (56121200329); a pin review of workflow lines (54497061364); a list next to a v3.0.0 pin
 *   (69847520314); an audit note "version v2.2.0" (54696524404).
 */

export interface PinnedAction {
  /** owner/name */
  readonly action: string;
  /** Full 40-hex commit SHA. */
  readonly sha: string;
  /** The release tag that SHA is. */
  readonly tag: string;
}

export const GITHUB_ACTIONS = {
  checkout: { action: 'actions/checkout', sha: 'd23441a48e516b6c34aea4fa41551a30e30af803', tag: 'v6.1.0' },
  setupNode: { action: 'actions/setup-node', sha: '249970729cb0ef3589644e2896645e5dc5ba9c38', tag: 'v6.5.0' },
  pnpmSetup: { action: 'pnpm/action-setup', sha: '0977fd99725f1db4007ccb2928dbb4e90d06cc86', tag: 'v6.0.10' },
  setupBun: { action: 'oven-sh/setup-bun', sha: '0c5077e51419868618aeaa5fe8019c62421857d6', tag: 'v2.2.0' },
  uploadSarif: { action: 'github/codeql-action/upload-sarif', sha: '5d4e8d1aca955e8d8589aabd499c5cae939e33c7', tag: 'v4.31.9' },
} as const satisfies Record<string, PinnedAction>;

/** The `uses:` value and its comment: `owner/name@<sha> # <tag>`. */
export function usesLine(pin: PinnedAction): string {
  return `${pin.action}@${pin.sha} # ${pin.tag}`;
}
