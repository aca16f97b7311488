import type { Delivery, NormaliseOutcome, Normaliser } from '../delivery.js';
import { explicitLinks } from '../github/normalise.js';
import {
  assuming, canonicalEvent, dlq, fields, ignored, instant, list, neverThrowing, severityFrom, text, validated,
  type DataOf, type Fields, type Severity,
} from '../payload.js';
import { deploymentReferences } from '../references.js';
import { JIRA_DEFAULTS, type JiraSettings } from './settings.js';

/**
 * Jira / Jira Service Management issue webhooks (`jira:issue_created`, `jira:issue_updated`) into
 * incidents, for the configured projects and issue types (docs/sources/jira.md). Opened is the
 * issue's creation; resolved is when its status moved into the Done category.
 */
export const normaliseJira: Normaliser = neverThrowing('Jira', (delivery, context) => {
  const payload = fields(delivery.payload);
  if (!payload) return dlq(`Jira ${delivery.event} payload is not a JSON object`);
  const event = text(payload.webhookEvent) ?? delivery.event;
  if (event === 'jira:issue_deleted') return ignored('deleted issues cannot be retracted: there is no canonical tombstone yet');
  if (event !== 'jira:issue_created' && event !== 'jira:issue_updated') return ignored(`Jira "${event}" events are not measured (only jira:issue_created and jira:issue_updated)`);
  return issue(delivery, payload, context.jira ?? JIRA_DEFAULTS);
});

/** What the Jira normaliser assumes; each is counted per delivery on Data health. */
export const JIRA_ASSUMED = {
  resolvedAtEvent: 'Jira issue in the Done category without resolutiondate or statuscategorychangedate: resolved when the webhook says it changed',
  withoutCreated: 'Jira issue without fields.created: opened when Paved received it',
} as const;

const PRIORITY: Record<string, Severity> = { highest: 'critical', blocker: 'critical', critical: 'critical', high: 'high', major: 'high', medium: 'medium', low: 'low', minor: 'low', lowest: 'low', trivial: 'low' };

function issue(delivery: Delivery, payload: Fields, settings: JiraSettings): NormaliseOutcome {
  const reported = fields(payload.issue);
  if (!reported) return dlq(`Jira ${delivery.event} without issue`);
  const key = text(reported.key);
  if (!key) return dlq('Jira issue without key');
  const issueFields = fields(reported.fields);
  if (!issueFields) return dlq(`Jira issue ${key} without fields`);

  const project = text(fields(issueFields.project)?.key) ?? key.split('-')[0]!;
  if (settings.projects.length && !settings.projects.includes(project)) return ignored(`Jira project ${project} is not in sources.jira.projects`);
  const issueType = text(fields(issueFields.issuetype)?.name);
  const wanted = settings.issueTypes.map((type) => type.toLowerCase());
  if (!issueType) return ignored(`Jira issue ${key} names no issue type: only ${settings.issueTypes.join(', ')} issues are incidents`);
  if (!wanted.includes(issueType.toLowerCase())) return ignored(`Jira issue type "${issueType}" is not an incident type (sources.jira.issueTypes: ${settings.issueTypes.join(', ')})`);

  const eventAt = instant(payload.timestamp) ?? delivery.receivedAt;
  const assumptions: string[] = [];
  const created = instant(issueFields.created);
  if (!created) assumptions.push(JIRA_ASSUMED.withoutCreated);
  const category = text(fields(fields(issueFields.status)?.statusCategory)?.key)?.toLowerCase();
  const statusChangedNow = list(fields(payload.changelog)?.items).some((item) => text(fields(item)?.field)?.toLowerCase() === 'status');
  const categoryChangedAt = instant(issueFields.statuscategorychangedate);

  let resolvedAt: string | null = null;
  if (category === 'done') {
    resolvedAt = instant(issueFields.resolutiondate) ?? categoryChangedAt ?? null;
    if (!resolvedAt) {
      resolvedAt = eventAt;
      assumptions.push(JIRA_ASSUMED.resolvedAtEvent);
    }
  }
  // In Progress (category indeterminate) is when someone took the incident on; only the change itself tells when.
  const acknowledgedAt = category === 'indeterminate' && statusChangedNow ? categoryChangedAt ?? eventAt : null;
  const status = category === 'done' ? 'resolved' : category === 'indeterminate' ? 'acknowledged' : 'open';

  const description = typeof issueFields.description === 'string' ? issueFields.description : '';
  const written = explicitLinks(description);
  const fromField = settings.deploymentField ? fieldTexts(issueFields[settings.deploymentField]).flatMap((value) => value.split(',')) : [];
  const updatedAt = instant(issueFields.updated) ?? eventAt;
  const id = `jira:${key}`;
  const data: DataOf<'incident'> = {
    id,
    source: 'jira',
    service: serviceOf(issueFields, settings.serviceField) ?? null,
    repo: null,
    severity: severityOf(issueFields, settings.severityField),
    title: typeof issueFields.summary === 'string' ? issueFields.summary : '',
    status,
    opened_at: created ?? delivery.receivedAt,
    acknowledged_at: acknowledgedAt,
    resolved_at: resolvedAt,
    linked_deployment_ids: deploymentReferences([...written.deploymentIds, ...fromField]),
    linked_shas: written.shas,
    url: browseUrl(settings.baseUrl, text(reported.self), key) ?? null,
    // The newest report wins: the issue's own last update, else the webhook's time.
    updated_at: updatedAt > eventAt ? updatedAt : eventAt,
  };
  return assuming(validated([canonicalEvent(delivery, 'incident', id, data.updated_at, data)]), assumptions);
}

/** Text values of a field however Jira writes it: text, `{ value }`, `{ name }`, or a list of those. */
function fieldTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(fieldTexts);
  const direct = text(value);
  if (direct) return [direct];
  const object = fields(value);
  const named = text(object?.value) ?? text(object?.name);
  return named ? [named] : [];
}

function serviceOf(issueFields: Fields, serviceField: string): string | undefined {
  return fieldTexts(issueFields[serviceField])[0];
}

/** Jira priorities (Highest...Lowest, Blocker...Trivial), P1-P5, or Service Management severities (Sev-1, Severity 2...). */
function severityOf(issueFields: Fields, severityField: string): Severity {
  const written = fieldTexts(issueFields[severityField])[0];
  if (!written) return 'unknown';
  return severityFrom(written) ?? PRIORITY[written.toLowerCase()] ?? severityFrom(written.replace(/^(sev(?:erity)?)\s*-?\s*/i, 'sev')) ?? 'unknown';
}

function browseUrl(baseUrl: string | undefined, self: string | undefined, key: string): string | undefined {
  const origin = baseUrl?.replace(/\/+$/, '') ?? (() => {
    try {
      return self ? new URL(self).origin : undefined;
    } catch {
      return undefined;
    }
  })();
  return origin ? `${origin}/browse/${key}` : undefined;
}

