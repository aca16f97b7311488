import { z } from 'zod';
import type { Warehouse } from '@paved/warehouse';

/** A person's verdict on a failure link; it wins over inference at the next transform run. */
export const FailureLinkOverride = z.object({
  deploymentId: z.string().min(1, 'deploymentId is required'),
  /**
   * The incident; `method:rollback` or `method:revert` for that link without an incident; or `*`
   * for "this deployment did not fail" (removes every link, rollbacks and reverts included).
   */
  incidentId: z.string().min(1, 'incidentId is required (an incident id, method:rollback, method:revert, or * for every link of the deployment)'),
  verdict: z.enum(['reject', 'confirm']),
  note: z.string().max(500).default(''),
});
export type FailureLinkOverride = z.infer<typeof FailureLinkOverride>;

/** Links without an incident (rollback, revert) are named by method when a person rejects just that one. */
export const METHOD_LINK_PREFIX = 'method:';

/** Confirming needs a real incident: `*` and `method:…` only make sense when rejecting. */
export const FailureLinkOverrideInput = FailureLinkOverride.refine((o) => o.verdict === 'reject' || (o.incidentId !== '*' && !o.incidentId.startsWith(METHOD_LINK_PREFIX)), {
  message: 'confirm needs one incident id (* and method:… are only for reject)',
  path: ['incidentId'],
}).refine((o) => !o.incidentId.startsWith(METHOD_LINK_PREFIX) || ['method:rollback', 'method:revert'].includes(o.incidentId), {
  message: 'only method:rollback and method:revert name a link without an incident',
  path: ['incidentId'],
});

export const MappingOverride = z.object({
  kind: z.enum(['repo', 'deployment', 'incident']),
  /** `owner/name` for repo, the deployment id, or the incident id. */
  key: z.string().min(1),
  service: z.string().min(1),
});
export type MappingOverride = z.infer<typeof MappingOverride>;

export async function setFailureLinkOverride(warehouse: Warehouse, override: FailureLinkOverride, setBy: string): Promise<void> {
  await warehouse.insert('failure_link_overrides', [{
    deployment_id: override.deploymentId, incident_id: override.incidentId, verdict: override.verdict, note: override.note, set_by: setBy, set_at: new Date().toISOString(),
  }]);
}

export async function setMappingOverride(warehouse: Warehouse, override: MappingOverride, setBy: string): Promise<void> {
  await warehouse.insert('mapping_overrides', [{ kind: override.kind, key: override.key, service: override.service, set_by: setBy, set_at: new Date().toISOString() }]);
}

const OverrideRow = z.object({ deployment_id: z.string(), incident_id: z.string(), verdict: z.string(), note: z.string(), set_by: z.string(), set_at: z.string() });
export async function listFailureLinkOverrides(warehouse: Warehouse, deploymentId?: string): Promise<z.infer<typeof OverrideRow>[]> {
  return warehouse.query(
    `SELECT deployment_id, incident_id, verdict, note, set_by, set_at FROM {{db}}.failure_link_overrides FINAL
     WHERE {id:String} = '' OR deployment_id = {id:String} ORDER BY set_at DESC LIMIT 500`,
    { id: deploymentId ?? '' }, OverrideRow,
  );
}
