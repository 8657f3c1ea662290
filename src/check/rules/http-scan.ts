/**
 * Shared reading aids of the HTTP and audit rules. Guards against rules disagreeing on what "this
 * project serves MCP over HTTP" means, and against a generated project being judged by guesswork
 * where its known files can be read exactly. Everything here is a heuristic on comment-masked text:
 * it never throws, and a pattern it does not know finds nothing (the rule then says warn or fail,
 * never pass without evidence).
 */
import { evidenceOf, findInSources, firstEvidence, lineOf, lineText, maskComments, type Match } from '../source-scan.js';
import type { Evidence, Outcome, ProjectFile, ProjectView, Status } from '../types.js';

export type { Match };

/** The spec recorded in secure-mcp.json (a project made by create-secure-mcp), or undefined. */
export interface GeneratedSpec {
  readonly transport: string | undefined;
  readonly auth: string | undefined;
}

export function generatedSpec(project: ProjectView): GeneratedSpec | undefined {
  const manifest = project.manifest;
  if (manifest === undefined) return undefined;
  const spec = manifest['spec'];
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return undefined;
  const record = spec as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return { transport: str(record['transport']), auth: str(record['auth']) };
}

/** A generated project whose HTTP layer has our known layout (src/http/app.ts runs the one chain). */
export function isGeneratedHttp(project: ProjectView): boolean {
  return generatedSpec(project) !== undefined && project.files.has('src/http/app.ts');
}

/** What shows an MCP server served over HTTP. */
const HTTP_MCP = /\b(?:StreamableHTTPServerTransport|SSEServerTransport|createMcpHandler|toNodeHandler|createMcpExpressApp|createMcpHonoApp|NodeStreamableHTTPServerTransport|WebStandardStreamableHTTPServerTransport)\b/;
const HTTP_SERVER = /\b(?:express\s*\(|new\s+Hono\s*\(|[Ff]astify\s*\(|(?:http|https|http2)\.createServer\s*\(|createServer\s*\(|Bun\.serve\s*\(|serve\s*\(\s*\{)/;
const MCP_ROUTE = /['"`]\/mcp\b/;

/**
 * Evidence that the project serves MCP over HTTP, or undefined when it has no HTTP transport. A
 * generated project answers from its recorded transport (and its files); others from the SDK's HTTP
 * transports, or an HTTP server (express, hono, fastify, node:http) with an `/mcp` route.
 */
export function httpTransport(project: ProjectView): Evidence | undefined {
  const spec = generatedSpec(project);
  if (spec !== undefined && (spec.transport === 'stdio' || (spec.transport === undefined && !project.files.has('src/http/app.ts')))) return undefined;
  if (spec !== undefined && project.files.has('src/http/app.ts')) {
    const app = first(project, 'src/http/app.ts', /createMcpHandler|MCP_PATH/);
    return app ?? { file: 'src/http/app.ts' };
  }
  const sources = project.sources();
  const sdk = findInSources(sources, HTTP_MCP)[0];
  if (sdk !== undefined) return evidenceOf(sdk, sources);
  const route = findInSources(sources, MCP_ROUTE);
  for (const m of route) {
    const file = sources.find((f) => f.path === m.file);
    if (file !== undefined && HTTP_SERVER.test(maskComments(file.text))) return evidenceOf(m, sources);
  }
  return undefined;
}

/** The first match of `pattern` in one project file (comment-masked), as evidence. */
export function first(project: ProjectView, file: string, pattern: RegExp): Evidence | undefined {
  const text = project.files.get(file);
  if (text === undefined) return undefined;
  const masked = maskComments(text);
  const m = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(masked);
  if (m === null) return undefined;
  const line = lineOf(masked, m.index);
  return { file, line, snippet: lineText(text, line) };
}

/** Every match in the project's sources, as evidence (deduplicated by file and line). */
export function findAll(project: ProjectView, pattern: RegExp): Evidence[] {
  const sources = project.sources();
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const m of findInSources(sources, pattern)) {
    const key = `${m.file}:${m.line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(evidenceOf(m, sources));
  }
  return out;
}

/** The masked text following a match (a call's arguments, an options object), at most `size` characters. */
export function after(sources: readonly ProjectFile[], match: Match, size = 600): string {
  const file = sources.find((f) => f.path === match.file);
  if (file === undefined) return '';
  return maskComments(file.text).slice(match.index, match.index + size);
}

/** The argument text of the call whose name ends at `open` (the index of its `(`), balanced; bounded. */
export function callArguments(masked: string, open: number, limit = 2000): string {
  let depth = 0;
  const end = Math.min(masked.length, open + limit);
  for (let i = open; i < end; i++) {
    const c = masked[i];
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') {
      depth--;
      if (depth === 0) return masked.slice(open + 1, i);
    }
  }
  return masked.slice(open + 1, end);
}

export function result(status: Status, message: string, evidence: readonly (Evidence | undefined)[] = []): Outcome {
  return { status, message, evidence: firstEvidence(evidence.filter((e): e is Evidence => e !== undefined)) };
}

export const NO_HTTP: Outcome = { status: 'not-applicable', message: 'no HTTP transport found (stdio only)', evidence: [] };
