/**
 * Every valid option combination, derived from the option lists by the same rules resolve applies.
 * The generation tests render each one, so a new option value is tested the moment it is listed.
 */
import { type Catalog, CATALOG, servesHttp } from './options.js';
import type { ProjectSpec } from './project-spec.js';
import { type NodeFloor, nodeFloorFor } from '../project-versions.js';

/** `nodeFloor`: the version column, by default the one a generator on this Node would pick. */
export function allValidSpecs(catalog: Catalog = CATALOG, name = 'matrix-server', nodeFloor: NodeFloor = nodeFloorFor(process.version)): ProjectSpec[] {
  const specs: ProjectSpec[] = [];
  for (const transport of catalog.transports) {
    const http = servesHttp(transport.value);
    const auths = http ? catalog.auths.map((a) => a.value) : ['none'];
    const stores = http ? catalog.rateLimitStores.map((s) => s.value) : ['memory'];
    for (const auth of auths) {
      for (const storage of catalog.storages) {
        const offered = catalog.tools.filter((t) => storage.value !== 'none' || !t.needsStorage).map((t) => t.value);
        for (const tools of subsets(offered)) {
          for (const rateLimitStore of stores) {
            specs.push({ name, transport: transport.value, auth, storage: storage.value, tools, rateLimitStore, packageManager: 'npm', nodeFloor } as ProjectSpec);
          }
        }
      }
    }
  }
  return specs;
}

function subsets<T>(items: readonly T[]): T[][] {
  return items.reduce<T[][]>((all, item) => all.concat(all.map((subset) => [...subset, item])), [[]]);
}

export function specLabel(spec: ProjectSpec): string {
  return `${spec.transport}/${spec.auth}/${spec.storage}/tools=${spec.tools.join('+') || 'none'}/${spec.rateLimitStore}`;
}

/** The create flags that reproduce a spec (the run's default name and package manager aside). */
export function flagsFor(spec: ProjectSpec): string[] {
  const flags = ['--transport', spec.transport, '--storage', spec.storage, `--tools=${spec.tools.join(',')}`];
  if (spec.transport !== 'stdio') flags.push('--auth', spec.auth, '--rate-limit-store', spec.rateLimitStore);
  return flags;
}
