/**
 * Argo CD notifications for the demo team that deploys production through Argo CD: the body of the
 * documented `paved-sync-succeeded` / `paved-sync-failed` templates (docs/sources/argocd.md) as
 * argocd-notifications renders it, posted to /webhooks/deployments.
 */
import type { Person } from './org.js';
import type { DeploymentRecord } from './records.js';

export const ARGOCD_URL = 'https://argocd.acme.dev';
const NAMESPACE = 'argocd';

/** Argo CD writes operation times to the second: `2026-01-05T10:11:12Z`. */
function argoTime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** The Paved id the generic normaliser gives this sync (`generic:argocd:<template id>`). */
export function argocdDeploymentId(deployment: DeploymentRecord): string {
  return `generic:argocd:${NAMESPACE}/${deployment.service.name}@${argoTime(deployment.createdAt)}`;
}

export function argocdNotificationPayload(deployment: DeploymentRecord, status: 'success' | 'failure', finishedAt: number, automated: boolean, initiator: Person): object {
  const service = deployment.service;
  const startedAt = argoTime(deployment.createdAt);
  return {
    id: `${NAMESPACE}/${service.name}@${startedAt}`,
    source_system: 'argocd',
    service: service.name,
    repo: service.repo.fullName,
    environment: deployment.environment,
    sha: deployment.sha,
    status,
    started_at: startedAt,
    finished_at: argoTime(finishedAt),
    creator: automated ? 'argocd-automated-sync' : initiator.login,
    pipeline: `argocd:in-cluster/${service.team.name}`,
    url: `${ARGOCD_URL}/applications/${NAMESPACE}/${service.name}`,
  };
}
