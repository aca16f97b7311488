import { parseInstant, type Instant } from '@paved/schemas';
import { z } from 'zod';
import type { Delivery, NormaliseContext, NormaliseOutcome, Normaliser } from '../delivery.js';
import { actor, canonicalEvent, dlq, issues, neverThrowing, severityFrom, validated, type DataOf } from '../payload.js';
import { deploymentReferences } from '../references.js';

/*
 * The generic JSON format for senders Paved has no dedicated receiver for: Argo CD notifications,
 * Jenkins, Spinnaker, GitLab or home-grown scripts. These schemas are published as JSON Schema
 * (`z.toJSONSchema(schema, { io: 'input' })`: timestamps are parsed by a transform), so every field
 * carries its documentation.
 */

const NOT_A_TIME = 'not a time: use ISO 8601 (zone optional, UTC assumed) or epoch seconds/milliseconds';

const Timestamp = z.union([z.string(), z.number()], { error: (issue) => (issue.input === undefined ? 'required' : NOT_A_TIME) })
  .transform((value, ctx): Instant => {
    const parsed = parseInstant(value);
    if (parsed) return parsed;
    ctx.addIssue({ code: 'custom', message: NOT_A_TIME });
    return z.NEVER;
  });

// Spelled without the i flag: JSON Schema patterns have no flags.
const Sha = z.string().regex(/^[0-9a-fA-F]{7,64}$/, 'expected a git sha (7 to 64 hex characters)');

const text = (description: string) => z.string().min(1).describe(description);
const when = (description: string) => Timestamp.describe(`${description} ISO 8601 (zone optional, UTC assumed) or epoch seconds/milliseconds.`);

export const GenericDeploymentPayload = z.object({
  id: text("The sender's id of this deployment, unique within source_system. Later reports with the same id update the deployment."),
  service: text('Service deployed, as named in the Paved catalog. Omit to resolve it from repo.').optional(),
  repo: text('Repository deployed, as owner/name.').optional(),
  environment: text('Target environment, e.g. production or staging. Default: metrics.defaultEnvironment.').optional(),
  sha: Sha.describe('Git commit deployed (full or abbreviated sha). Needed for lead time for changes.').optional(),
  ref: text('Branch or tag deployed.').optional(),
  status: z.enum(['success', 'failure', 'error', 'in_progress', 'queued', 'cancelled'])
    .describe('Where the deployment stands. failure and error count towards the change failure rate.'),
  started_at: when('When the deployment started. Default: finished_at, else the time Paved received the report.').optional(),
  finished_at: when('When the deployment finished (success, failure, error, cancelled).').optional(),
  creator: text('Who or what started the deployment (login or name).').optional(),
  pipeline: text('Pipeline or workflow name that ran the deployment.').optional(),
  source_system: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lower-case letters, digits, - and _')
    .describe('The sending system, e.g. argocd, jenkins, spinnaker, gitlab. Default: generic. Part of the Paved deployment id.')
    .optional(),
  url: text('Link to the deployment in the sending system.').optional(),
}).describe('A deployment reported to POST /webhooks/generic/deployment.');
export type GenericDeploymentPayload = z.infer<typeof GenericDeploymentPayload>;

export const GenericIncidentPayload = z.object({
  id: text("The sender's id of this incident. Later reports with the same id update the incident."),
  service: text('Affected service, as named in the Paved catalog.').optional(),
  repo: text('Repository of the affected service, as owner/name.').optional(),
  severity: text('critical, high, medium or low; P1-P5 and SEV1-SEV4 are understood too. Default: unknown.').optional(),
  title: z.string().describe('Short description of the incident.'),
  status: z.enum(['open', 'acknowledged', 'resolved'])
    .describe('Default: resolved when resolved_at is given, acknowledged when acknowledged_at is given, else open.')
    .optional(),
  opened_at: when('When the incident began.'),
  acknowledged_at: when('When someone took the incident on. Default when status is acknowledged: updated_at, else the time Paved received the report.').optional(),
  resolved_at: when('When service was restored. Default when status is resolved: updated_at, else the time Paved received the report.').optional(),
  updated_at: when('When this report was made; the newest report wins. Default: the latest of the times above.').optional(),
  deployment_ids: z.array(z.string().min(1))
    .describe('Deployments that caused the incident: Paved ids (generic:argocd:42, github:owner/repo:123456), GitHub deployment ids (123456, owner/repo#123456), deployment API or Actions run URLs, or deployed sha prefixes of 7+ characters.')
    .optional(),
  shas: z.array(Sha).describe('Commits that caused the incident.').optional(),
  url: text('Link to the incident in the sending system.').optional(),
}).describe('An incident reported to POST /webhooks/generic/incident.');
export type GenericIncidentPayload = z.infer<typeof GenericIncidentPayload>;

export const normaliseGenericDeployment: Normaliser = neverThrowing('generic', (delivery, context) => {
  const parsed = GenericDeploymentPayload.safeParse(delivery.payload);
  if (!parsed.success) return dlq(`generic deployment does not fit the documented format: ${issues(parsed.error, delivery.payload)}`);
  return deployment(delivery, parsed.data, context);
});

export const normaliseGenericIncident: Normaliser = neverThrowing('generic', (delivery) => {
  const parsed = GenericIncidentPayload.safeParse(delivery.payload);
  if (!parsed.success) return dlq(`generic incident does not fit the documented format: ${issues(parsed.error, delivery.payload)}`);
  return incident(delivery, parsed.data);
});

const FINISHED = new Set<GenericDeploymentPayload['status']>(['success', 'failure', 'error', 'cancelled']);

function deployment(delivery: Delivery, sent: GenericDeploymentPayload, context: NormaliseContext): NormaliseOutcome {
  const id = `generic:${sent.source_system ?? 'generic'}:${sent.id}`;
  const finished = FINISHED.has(sent.status);
  const startedAt = sent.started_at ?? sent.finished_at ?? delivery.receivedAt;
  const finishedAt = finished ? sent.finished_at ?? delivery.receivedAt : null;
  const statusAt = finishedAt ?? startedAt;
  const data: DataOf<'deployment'> = {
    id,
    repo: sent.repo ?? 'unknown',
    service: sent.service ?? null,
    path: null,
    environment: sent.environment ?? context.defaultEnvironment,
    sha: sent.sha ?? null,
    ref: sent.ref ?? null,
    status: sent.status,
    started_at: startedAt,
    finished_at: finishedAt,
    status_at: statusAt,
    creator: actor(sent.creator),
    workflow_name: sent.pipeline ?? null,
    source_system: sent.source_system ?? 'generic',
    url: sent.url ?? null,
  };
  return validated([canonicalEvent(delivery, 'deployment', id, statusAt, data)]);
}

function incident(delivery: Delivery, sent: GenericIncidentPayload): NormaliseOutcome {
  const id = `generic:${sent.id}`;
  const status = sent.status ?? (sent.resolved_at ? 'resolved' : sent.acknowledged_at ? 'acknowledged' : 'open');
  const reportedAt = sent.updated_at ?? delivery.receivedAt;
  const acknowledgedAt = sent.acknowledged_at ?? (status === 'acknowledged' ? reportedAt : null);
  const resolvedAt = sent.resolved_at ?? (status === 'resolved' ? reportedAt : null);
  const updatedAt = sent.updated_at ?? latest(sent.opened_at, acknowledgedAt, resolvedAt);
  const data: DataOf<'incident'> = {
    id,
    source: 'generic',
    service: sent.service ?? null,
    repo: sent.repo ?? null,
    severity: severityFrom(sent.severity) ?? 'unknown',
    title: sent.title,
    status,
    opened_at: sent.opened_at,
    acknowledged_at: acknowledgedAt,
    resolved_at: resolvedAt,
    linked_deployment_ids: deploymentReferences(sent.deployment_ids ?? [], sent.repo),
    linked_shas: sent.shas ?? [],
    url: sent.url ?? null,
    updated_at: updatedAt,
  };
  return validated([canonicalEvent(delivery, 'incident', id, updatedAt, data)]);
}

/** The latest of some instants (UTC ISO strings with milliseconds sort as text). */
function latest(first: Instant, ...others: (Instant | null)[]): Instant {
  return others.reduce<Instant>((max, value) => (value !== null && value > max ? value : max), first);
}
