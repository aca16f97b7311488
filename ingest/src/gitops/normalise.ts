import type { DeploymentStatus } from '@paved/schemas';
import type { Delivery, NormaliseContext, NormaliseOutcome } from '../delivery.js';
import {
  actor, canonicalEvent, dlq, fields, ignored, instant, neverThrowing, sha, text, validated,
  type DataOf, 
} from '../payload.js';

/*
 * GitOps deployers posting to POST /webhooks/deployments without the generic format
 * (docs/sources/argocd.md):
 * - Argo CD's notification service sending the Application resource itself (`body: '{{toJson .app}}'`,
 *   or `{"app": {{toJson .app}}}`): the sync operation is the deployment.
 * - Flux's notification-controller with a `generic` Provider, whose body is always a Flux event
 *   (`involvedObject`, `reason`, `metadata.<controller>/revision`, ...).
 * Deliveries in the documented generic format never reach these (generic/normalise.ts reads them).
 */

export type GitopsBody = 'argocd-application' | 'flux-event';

/** Which GitOps body this is, if any (checked before the generic format). */
export function gitopsBodyOf(payload: unknown): GitopsBody | undefined {
  const body = fields(payload);
  if (!body) return undefined;
  const application = fields(body.app) ?? body;
  if (application.kind === 'Application' && /^argoproj\.io\//.test(text(application.apiVersion) ?? '')) return 'argocd-application';
  if (fields(body.involvedObject) && text(body.reportingController) && text(body.reason)) return 'flux-event';
  return undefined;
}

export const normaliseGitopsDeployment = neverThrowing('GitOps', (delivery: Delivery, context: NormaliseContext): NormaliseOutcome => {
  switch (gitopsBodyOf(delivery.payload)) {
    case 'argocd-application': return argocdApplication(delivery, context);
    case 'flux-event': return fluxEvent(delivery, context);
    default: return dlq('deployment body is neither an Argo CD Application nor a Flux event');
  }
});

// ---------------------------------------------------------------------------------------------
// Argo CD: the Application resource

const ARGO_PHASE: Record<string, DeploymentStatus> = {
  Succeeded: 'success', Failed: 'failure', Error: 'error', Running: 'in_progress', Terminating: 'in_progress',
};
const FINISHED: ReadonlySet<DeploymentStatus> = new Set(['success', 'failure', 'error', 'cancelled']);

function argocdApplication(delivery: Delivery, context: NormaliseContext): NormaliseOutcome {
  const body = fields(delivery.payload)!;
  const app = fields(body.app) ?? body;
  const metadata = fields(app.metadata);
  const name = text(metadata?.name);
  if (!name) return dlq('Argo CD Application without metadata.name');
  const operation = fields(fields(app.status)?.operationState);
  if (!operation) return ignored(`Argo CD Application ${name} has no operationState: nothing was synced`);
  const phase = text(operation.phase);
  const status = phase ? ARGO_PHASE[phase] : undefined;
  if (!status) return dlq(`Argo CD operationState.phase "${phase ?? ''}" is not Succeeded, Failed, Error or Running`);
  const startedAt = instant(operation.startedAt);
  if (!startedAt) return dlq(`Argo CD Application ${name} without operationState.startedAt (it identifies the sync)`);

  const labels = fields(metadata?.labels) ?? {};
  const syncResult = fields(operation.syncResult);
  // Multi-source applications report `revisions`; the first source is the application's own.
  const revision = text(syncResult?.revision) ?? text(listFirst(syncResult?.revisions)) ?? text(fields(fields(app.status)?.sync)?.revision);
  const spec = fields(app.spec);
  const source = fields(spec?.source) ?? fields(listFirst(spec?.sources));
  const destination = fields(spec?.destination);
  const finishedAt = FINISHED.has(status) ? instant(operation.finishedAt) ?? delivery.receivedAt : null;
  const statusAt = finishedAt ?? startedAt;
  const namespace = text(metadata?.namespace) ?? 'argocd';
  const initiatedBy = fields(fields(operation.operation)?.initiatedBy);
  // As the documented template writes it (startedAt as Argo CD wrote it), so both kinds of report of one sync agree.
  const id = `generic:argocd:${namespace}/${name}@${text(operation.startedAt)}`;
  const data: DataOf<'deployment'> = {
    id,
    repo: repositoryPath(text(source?.repoURL)) ?? 'unknown',
    service: text(labels['paved.dev/service']) ?? name,
    path: null,
    environment: text(labels['paved.dev/environment']) ?? text(labels.environment) ?? text(labels.env) ?? context.defaultEnvironment,
    // Helm chart sources report a chart version, not a commit.
    sha: sha(revision) ?? null,
    ref: sha(revision) ? text(source?.targetRevision) ?? null : revision ?? null,
    status,
    started_at: startedAt,
    finished_at: finishedAt,
    status_at: statusAt,
    creator: initiatedBy?.automated === true ? actor('argocd', 'Argo CD (automated sync)', undefined, true) : actor(text(initiatedBy?.username)),
    workflow_name: `argocd:${text(destination?.name) ?? text(destination?.server) ?? 'cluster'}/${text(destination?.namespace) ?? ''}`,
    source_system: 'argocd',
    url: null,
  };
  return validated([canonicalEvent(delivery, 'deployment', id, statusAt, data)]);
}

// ---------------------------------------------------------------------------------------------
// Flux: notification-controller events (generic provider)

const FLUX_SUCCESS = new Set(['ReconciliationSucceeded', 'InstallSucceeded', 'UpgradeSucceeded', 'RollbackSucceeded', 'UninstallSucceeded']);
const FLUX_FAILURE = new Set([
  'ReconciliationFailed', 'HealthCheckFailed', 'ValidationFailed', 'BuildFailed', 'ArtifactFailed', 'PruneFailed',
  'InstallFailed', 'UpgradeFailed', 'RollbackFailed', 'TestFailed',
]);
const FLUX_DEPLOYERS = new Set(['Kustomization', 'HelmRelease']);
const FLUX_SHA = /(?:@sha1:|@sha256:|\/)([0-9a-f]{40}|[0-9a-f]{64})$/i;

function fluxEvent(delivery: Delivery, context: NormaliseContext): NormaliseOutcome {
  const event = fields(delivery.payload)!;
  const object = fields(event.involvedObject)!;
  const kind = text(object.kind) ?? '';
  const reason = text(event.reason)!;
  if (!FLUX_DEPLOYERS.has(kind)) return ignored(`Flux ${kind || 'event'} ${reason}: only Kustomization and HelmRelease events are deployments`);
  const status: DeploymentStatus | undefined = FLUX_SUCCESS.has(reason) ? 'success' : FLUX_FAILURE.has(reason) ? 'failure' : undefined;
  if (!status) return ignored(`Flux ${kind} ${reason} is neither a finished nor a failed reconciliation`);
  const name = text(object.name);
  if (!name) return dlq('Flux event without involvedObject.name');

  // The Alert's spec.eventMetadata (environment, service, repo) arrives among the metadata.
  const metadata = fields(event.metadata) ?? {};
  const revisionKey = Object.keys(metadata).find((key) => key === 'revision' || key.endsWith('/revision'));
  const revision = revisionKey ? text(metadata[revisionKey]) : undefined;
  const commit = revision ? FLUX_SHA.exec(revision)?.[1]?.toLowerCase() : undefined;
  const at = instant(event.timestamp) ?? delivery.receivedAt;
  const namespace = text(object.namespace) ?? 'flux-system';
  // One deployment per object and revision: a retry of the same revision updates it.
  const id = `generic:flux:${namespace}/${kind}/${name}@${revision ?? at}`;
  const data: DataOf<'deployment'> = {
    id,
    repo: text(metadata.repo) ?? 'unknown',
    service: text(metadata.service) ?? name,
    path: null,
    environment: text(metadata.environment) ?? text(metadata.env) ?? context.defaultEnvironment,
    sha: commit ?? null,
    ref: revision && !commit ? revision : revision?.split(/@|\//)[0] ?? null,
    status,
    started_at: at,
    finished_at: at,
    status_at: at,
    creator: actor(text(event.reportingController), 'Flux', undefined, true),
    workflow_name: `flux:${kind}/${namespace}/${name}`,
    source_system: 'flux',
    url: null,
  };
  return validated([canonicalEvent(delivery, 'deployment', id, at, data)]);
}

// ---------------------------------------------------------------------------------------------

function listFirst(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : undefined;
}

/** `acme/payments` from https://github.com/acme/payments.git, git@github.com:acme/payments.git or ssh://.../acme/payments. */
export function repositoryPath(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const path = /^[\w.-]+@[\w.-]+:(.+)$/.exec(url)?.[1] ?? (() => {
    try {
      return new URL(url).pathname;
    } catch {
      return undefined;
    }
  })();
  const cleaned = path?.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '');
  return cleaned?.includes('/') ? cleaned : undefined;
}
