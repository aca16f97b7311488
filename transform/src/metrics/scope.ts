import type { Warehouse } from '@paved/warehouse';
import { ALL_HISTORY, serviceCatalog } from './catalog.js';

/** A team or service filter that names nothing Paved knows: a typo answers "no data" otherwise. */
export class UnknownScopeError extends Error {
  constructor(readonly kind: 'team' | 'service', readonly value: string, readonly known: string[]) {
    super(`no ${kind} "${value}"; known ${kind}s: ${known.length ? known.join(', ') : 'none yet (no catalog entities or production deployments)'}`);
    this.name = 'UnknownScopeError';
  }
}

/** Checks `team` and `service` against the catalog of all history (see catalog.ts); throws UnknownScopeError. */
export async function checkScope(warehouse: Warehouse, scope: { team?: string | undefined; service?: string | undefined }): Promise<void> {
  if (!scope.team && !scope.service) return;
  const catalog = await serviceCatalog(warehouse, ALL_HISTORY);
  const teams = [...new Set(catalog.map((s) => s.team))].sort((a, b) => a.localeCompare(b));
  const services = catalog.map((s) => s.service).sort((a, b) => a.localeCompare(b));
  if (scope.team && !teams.includes(scope.team)) throw new UnknownScopeError('team', scope.team, teams);
  if (scope.service && !services.includes(scope.service)) throw new UnknownScopeError('service', scope.service, services);
}
