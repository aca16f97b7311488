import { parseInstant, type Instant } from '@paved/schemas';
import type { Delivery } from '../delivery.js';
import { BACKFILL_COMMIT, BACKFILL_COMPARE, BACKFILL_PULL_REQUEST, type BackfillCommitPayload, type BackfillComparePayload, type BackfillPullRequestPayload } from './backfill-normalise.js';
import type { GqlPullRequest, RestCommit, RestCompare, RestDeployment, RestRepository } from './backfill-objects.js';

/*
 * Fetched objects as deliveries. Where a webhook exists for the object, the payload has the
 * webhook's shape (the REST object under the webhook's key, plus `action` and `repository`), so the
 * webhook normaliser handles backfill and live data alike.
 *
 * Delivery ids are deterministic (`backfill:<repo>:<kind>:<id>:<version>`) and the delivery is
 * dated at the object's own time (when GitHub would have sent the webhook), so fetching an
 * unchanged object again yields the same archive row and the same event ids.
 */

export type Fetched = Record<string, unknown>;

/** The `repository` object of a webhook payload, from what the listing said about the repository. */
export function webhookRepository(repository: RestRepository): Fetched {
  const [owner = '', name = ''] = repository.full_name.split('/');
  const picked: Fetched = { name, full_name: repository.full_name, owner: { login: owner } };
  for (const key of ['id', 'node_id', 'private', 'html_url', 'default_branch'] as const) if (repository[key] !== undefined) picked[key] = repository[key];
  return picked;
}

export function backfillDeliveryId(repo: string, kind: string, id: string | number, version: string): string {
  return `backfill:${repo}:${kind}:${id}:${version}`;
}

function at(value: unknown): Instant {
  return parseInstant(value) ?? new Date().toISOString();
}

function delivery(event: string, deliveryId: string, receivedAt: unknown, payload: Fetched): Delivery {
  return { source: 'github', event, deliveryId, receivedAt: at(receivedAt), payload };
}

export function deploymentDelivery(repository: RestRepository, deployment: RestDeployment): Delivery {
  return delivery('deployment', backfillDeliveryId(repository.full_name, 'deployment', deployment.id, deployment.created_at), deployment.created_at, {
    action: 'created', deployment, repository: webhookRepository(repository), sender: deployment.creator ?? null,
  });
}

export function deploymentStatusDelivery(repository: RestRepository, deployment: RestDeployment, status: Fetched & { id: number; created_at: string }): Delivery {
  return delivery('deployment_status', backfillDeliveryId(repository.full_name, 'deployment_status', status.id, status.created_at), status.created_at, {
    action: 'created', deployment_status: status, deployment, repository: webhookRepository(repository), sender: status.creator ?? null,
  });
}

export function issueDelivery(repository: RestRepository, issue: Fetched & { number: number; updated_at: string; state: string }): Delivery {
  return delivery('issues', backfillDeliveryId(repository.full_name, 'issues', issue.number, issue.updated_at), issue.updated_at, {
    action: issue.state === 'closed' ? 'closed' : 'opened', issue, repository: webhookRepository(repository), sender: issue.user ?? null,
  });
}

export function workflowRunDelivery(repository: RestRepository, workflow: Fetched & { id: number; name: string; path: string }, run: Fetched & { id: number; updated_at: string }): Delivery {
  return delivery('workflow_run', backfillDeliveryId(repository.full_name, 'workflow_run', run.id, run.updated_at), run.updated_at, {
    action: 'completed', workflow_run: run, workflow: { id: workflow.id, name: workflow.name, path: workflow.path }, repository: webhookRepository(repository), sender: run.triggering_actor ?? run.actor ?? null,
  });
}

export function releaseDelivery(repository: RestRepository, release: Fetched & { id: number; created_at: string; published_at: string | null }): Delivery {
  const version = release.published_at ?? release.created_at;
  return delivery('release', backfillDeliveryId(repository.full_name, 'release', release.id, version), version, {
    action: 'published', release, repository: webhookRepository(repository), sender: release.author ?? null,
  });
}

/** A pull request with every review and commit (no webhook carries the commit list with authored times). */
export function pullRequestDelivery(repository: RestRepository, pullRequest: GqlPullRequest): Delivery {
  const payload: BackfillPullRequestPayload = { repository: { full_name: repository.full_name }, pull_request: pullRequest };
  return delivery(BACKFILL_PULL_REQUEST, backfillDeliveryId(repository.full_name, 'pull_request', pullRequest.number, pullRequest.updatedAt), pullRequest.updatedAt, payload);
}

/** A default-branch commit with its parents (a push webhook carries neither parents nor committer time). */
export function commitDelivery(repository: RestRepository, ref: string, commit: RestCommit): Delivery {
  const payload: BackfillCommitPayload = { repository: { full_name: repository.full_name }, ref, commit };
  const committedAt = commit.commit.committer?.date ?? commit.commit.author?.date;
  // A commit never changes: its sha is its version.
  return delivery(BACKFILL_COMMIT, `backfill:${repository.full_name}:commit:${commit.sha}`, committedAt, payload);
}

/** What lies between two production deployments' shas. Two shas never change what lies between them: one version. */
export function compareDelivery(repository: Pick<RestRepository, 'full_name'>, base: string, head: string, compare: RestCompare, fetchedAt: string): Delivery {
  const payload: BackfillComparePayload = { repository: { full_name: repository.full_name }, base, head, compare, fetched_at: fetchedAt };
  return delivery(BACKFILL_COMPARE, `backfill:${repository.full_name}:compare:${base}...${head}`, fetchedAt, payload);
}
