import { parseInstant } from '@paved/schemas';
import { z } from 'zod';
import type { Bus } from '../bus/bus.js';
import type { CursorKey, CursorStore } from '../backfill-cursor.js';
import type { Delivery, NormaliseContext } from '../delivery.js';
import type { Logger } from '../log.js';
import { BackfillExtract } from '../backfill-extract.js';
import { JIRA_DEFAULTS, type JiraSettings } from './settings.js';

/*
 * `paved backfill jira`: incidents that happened before the webhook was set up, through Jira Cloud's
 * JQL search (`POST /rest/api/3/search/jql`, basic auth JIRA_EMAIL:JIRA_API_TOKEN, changelog
 * expanded). Each issue becomes the `jira:issue_updated` webhooks Jira would have sent on its status
 * changes and its latest change, so the webhook normaliser gives the same incident row either way. docs/sources/jira.md, "Backfill".
 *
 * Issues are read oldest update first from the previous run's watermark (`updated >= -<N>m`: a
 * relative time, so the account's time zone does not matter), and the watermark moves after every
 * page: an interrupted run goes on from the last page it delivered, a second run reads only what
 * changed. Issues exactly at the watermark that were delivered already are skipped.
 */

export interface JiraApiOptions {
  /** https://acme.atlassian.net (sources.jira.baseUrl). */
  baseUrl: string;
  email: string;
  /** API token (JIRA_API_TOKEN); never logged. */
  apiToken: string;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  maxRetries?: number;
  retryBaseMs?: number;
  log?: Logger;
}

export class JiraHttpError extends Error {
  constructor(message: string, readonly status: number | null) {
    super(message);
  }
}

const JiraIssue = z.looseObject({
  id: z.string(),
  key: z.string().regex(/^[A-Z][A-Z0-9_]+-\d+$/),
  self: z.string().optional(),
  fields: z.looseObject({ updated: z.string(), created: z.string().nullish() }),
  changelog: z.looseObject({
    histories: z.array(z.looseObject({
      id: z.string().optional(),
      created: z.string(),
      items: z.array(z.looseObject({ field: z.string(), fieldtype: z.string().optional(), from: z.string().nullish(), fromString: z.string().nullish(), to: z.string().nullish(), toString: z.string().nullish() })),
    })).default([]),
  }).optional(),
});
type JiraIssue = z.infer<typeof JiraIssue>;
const SearchPage = z.looseObject({ issues: z.array(z.unknown()).default([]), nextPageToken: z.string().nullish(), isLast: z.boolean().optional() });

export class JiraApi {
  readonly stats = { requests: 0, rateLimited: 0, serverErrors: 0 };
  constructor(private readonly options: JiraApiOptions) {}

  /** One page of `POST /rest/api/3/search/jql`. */
  async search(body: { jql: string; fields: string[]; expand: string; maxResults: number; nextPageToken?: string }): Promise<z.infer<typeof SearchPage>> {
    const answer = await this.request('POST', '/rest/api/3/search/jql', body, 'the JQL search');
    const page = SearchPage.safeParse(answer);
    if (!page.success) throw new JiraHttpError(`Jira answered the search in an unexpected shape: ${page.error.issues[0]?.path.join('.')}: ${page.error.issues[0]?.message}`, 200);
    return page.data;
  }

  /** `GET /rest/api/3/status`: every status with its category (the changelog names statuses only by id). */
  async statusCategories(): Promise<Map<string, string>> {
    const answer = z.array(z.looseObject({ id: z.string(), statusCategory: z.looseObject({ key: z.string() }).optional() })).safeParse(await this.request('GET', '/rest/api/3/status', undefined, 'the status list'));
    if (!answer.success) throw new JiraHttpError('Jira answered the status list in an unexpected shape', 200);
    return new Map(answer.data.flatMap((status) => (status.statusCategory ? [[status.id, status.statusCategory.key.toLowerCase()] as const] : [])));
  }

  private async request(method: 'GET' | 'POST', path: string, body: unknown, what: string): Promise<unknown> {
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}${path}`;
    const auth = Buffer.from(`${this.options.email}:${this.options.apiToken}`).toString('base64');
    const doFetch = this.options.fetch ?? fetch;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const maxRetries = this.options.maxRetries ?? 5;
    for (let attempt = 0; ; attempt += 1) {
      this.stats.requests += 1;
      let response: Response;
      try {
        response = await doFetch(url, {
          method, signal: this.options.signal, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          headers: { authorization: `Basic ${auth}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        });
      } catch (error) {
        if (this.options.signal?.aborted || attempt >= maxRetries) throw new JiraHttpError(`Jira did not answer ${what}: ${(error as Error).message}`, null);
        await sleep((this.options.retryBaseMs ?? 1000) * 2 ** attempt);
        continue;
      }
      if (response.ok) return response.json();
      const text = await response.text().catch(() => '');
      if ((response.status === 429 || response.status >= 500) && attempt < maxRetries) {
        if (response.status === 429) this.stats.rateLimited += 1;
        else this.stats.serverErrors += 1;
        const retryAfter = Number(response.headers.get('retry-after'));
        const wait = Number.isFinite(retryAfter) && retryAfter >= 0 && response.headers.has('retry-after') ? retryAfter * 1000 : (this.options.retryBaseMs ?? 1000) * 2 ** attempt;
        this.options.log?.('warn', `Jira answered ${response.status}: retrying`, { wait_ms: wait, attempt });
        await sleep(wait);
        continue;
      }
      const hint = response.status === 401 || response.status === 403
        ? ': check JIRA_EMAIL and JIRA_API_TOKEN (an API token of an account that can browse the projects)'
        : response.status === 400 ? `: Jira refused the JQL (${errorMessages(text)}); check sources.jira.projects and sources.jira.issueTypes` : '';
      throw new JiraHttpError(`Jira answered ${response.status} to ${what}${hint}`, response.status);
    }
  }
}

function errorMessages(text: string): string {
  try {
    const parsed = JSON.parse(text) as { errorMessages?: unknown };
    return Array.isArray(parsed.errorMessages) ? parsed.errorMessages.join('; ') : 'no reason given';
  } catch {
    return 'no reason given';
  }
}

export interface JiraBackfillOptions {
  api: JiraApi;
  bus: Bus;
  cursors: CursorStore;
  context: NormaliseContext;
  /** Oldest update of interest on a first run (later runs go from their watermark). */
  since?: string | null;
  pageSize?: number;
  now?: () => Date;
  log?: Logger;
}

export interface JiraBackfillResult {
  jql: string;
  requests: number;
  rateLimited: number;
  serverErrors: number;
  issues: number;
  deliveries: number;
  events: number;
  ignored: number;
  deadLettered: number;
  skipped: number;
  ms: number;
}

/** The JQL for the configured projects and issue types, from `sinceMs` (relative minutes) on, oldest update first. */
export function incidentJql(settings: JiraSettings, sinceMs: number | null, nowMs: number): string {
  const clauses: string[] = [];
  if (settings.projects.length) clauses.push(`project in (${settings.projects.map(quoted).join(', ')})`);
  clauses.push(`issuetype in (${settings.issueTypes.map(quoted).join(', ')})`);
  // JQL dates are minutes in the account's time zone; a relative time is not, and one more minute covers the rounding.
  if (sinceMs !== null) clauses.push(`updated >= -${Math.max(1, Math.ceil((nowMs - sinceMs) / 60_000) + 1)}m`);
  return `${clauses.join(' AND ')} ORDER BY updated ASC, key ASC`;
}

const quoted = (value: string) => `"${value.replace(/["\\]/g, '\\$&')}"`;

/** What the normaliser reads of an issue (and the configured service, severity and deployment fields). */
function fieldsOf(settings: JiraSettings): string[] {
  const wanted = ['summary', 'status', 'issuetype', 'project', 'created', 'updated', 'resolutiondate', 'statuscategorychangedate', 'description', 'priority', 'components', 'issuelinks'];
  for (const field of [settings.serviceField, settings.severityField, settings.deploymentField]) if (field && !wanted.includes(field)) wanted.push(field);
  return wanted;
}

export async function backfillJira(options: JiraBackfillOptions): Promise<JiraBackfillResult> {
  const started = performance.now();
  const settings = options.context.jira ?? JIRA_DEFAULTS;
  const log = options.log ?? (() => {});
  const now = options.now ?? (() => new Date());
  const key: CursorKey = { source: 'jira', scope: `projects:${settings.projects.join(',') || '*'}:types:${settings.issueTypes.join(',')}`, kind: 'incidents' };
  const cursor = await options.cursors.load(key);
  let watermark = cursor.watermark;
  let atWatermark = Array.isArray(cursor.state.atWatermark) ? cursor.state.atWatermark.filter((k): k is string => typeof k === 'string') : [];
  const from = watermark ?? options.since ?? null;
  const jql = incidentJql(settings, from === null ? null : Date.parse(from), now().getTime());
  const statsAtStart = { ...options.api.stats };
  // Extract: each raw record (the webhooks Jira would have sent) through the webhook path (../backfill-extract.ts).
  const extract = new BackfillExtract({ bus: options.bus, context: options.context, log });
  const result: JiraBackfillResult = { jql, requests: 0, rateLimited: 0, serverErrors: 0, issues: 0, deliveries: 0, events: 0, ignored: 0, deadLettered: 0, skipped: 0, ms: 0 };

  // Status id → category, read once a run and only when an issue changed status.
  let categories: Map<string, string> | null = null;
  const statusCategories = async () => {
    try {
      return await options.api.statusCategories();
    } catch (error) {
      log('warn', 'Jira status list unavailable: earlier status changes are not replayed, only each issue\'s current state', { error: (error as Error).message });
      return new Map<string, string>();
    }
  };
  let nextPageToken: string | undefined;
  do {
    const page = await options.api.search({ jql, fields: fieldsOf(settings), expand: 'changelog', maxResults: options.pageSize ?? 100, ...(nextPageToken ? { nextPageToken } : {}) });
    const fresh: JiraIssue[] = [];
    for (const raw of page.issues) {
      const parsed = JiraIssue.safeParse(raw);
      if (!parsed.success) {
        result.skipped += 1;
        log('warn', 'unexpected Jira issue: skipped', { problem: `${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}` });
        continue;
      }
      const updated = isoOf(parsed.data.fields.updated);
      if (watermark !== null && (updated < watermark || (updated === watermark && atWatermark.includes(parsed.data.key)))) continue;
      fresh.push(parsed.data);
    }
    for (const issue of fresh) {
      if (categories === null && statusChangesOf(issue).length) categories = await statusCategories();
      await extract.records(issueDeliveries(issue, categories ?? new Map()));
      result.issues += 1;
      const updated = isoOf(issue.fields.updated);
      if (watermark === null || updated > watermark) {
        watermark = updated;
        atWatermark = [issue.key];
      } else if (updated === watermark) {
        atWatermark = [...atWatermark, issue.key];
      }
    }
    // After every page: an interruption loses at most the page in flight, and nothing is sent twice.
    if (fresh.length) await options.cursors.save(key, { ...cursor, watermark, state: { ...cursor.state, atWatermark } });
    nextPageToken = page.isLast === true ? undefined : page.nextPageToken ?? undefined;
  } while (nextPageToken);

  Object.assign(result, { deliveries: extract.counts.deliveries, events: extract.counts.events, ignored: extract.counts.ignored, deadLettered: extract.counts.deadLettered });
  result.requests = options.api.stats.requests - statsAtStart.requests;
  result.rateLimited = options.api.stats.rateLimited - statsAtStart.rateLimited;
  result.serverErrors = options.api.stats.serverErrors - statsAtStart.serverErrors;
  result.ms = Math.round(performance.now() - started);
  return result;
}

/** Jira writes `2026-11-20T10:30:00.000+0000`. */
function isoOf(value: string): string {
  return parseInstant(value) ?? value;
}

type History = NonNullable<JiraIssue['changelog']>['histories'][number];

function statusChangesOf(issue: JiraIssue): History[] {
  return [...(issue.changelog?.histories ?? [])]
    .filter((h) => h.items.some((item) => item.field.toLowerCase() === 'status'))
    .sort((a, b) => Date.parse(a.created) - Date.parse(b.created));
}

/**
 * The webhooks Jira sent for the issue, as far as the changelog tells: one `jira:issue_updated` per
 * earlier status change (the issue as it is now, in the status it moved to then, dated then; its
 * category from `categories`, GET /rest/api/3/status), then the one of its latest change: the issue
 * as it is now, with that change's changelog items. So the incident's opened, acknowledged and
 * resolved times come out as the webhooks would have given them. Jira Cloud's v3 API writes the
 * description in Atlassian Document Format; the webhook has text, so the description becomes its text.
 */
export function issueDeliveries(issue: JiraIssue, categories: ReadonlyMap<string, string>): Delivery[] {
  const fields: Record<string, unknown> = { ...issue.fields };
  if (fields.description !== null && typeof fields.description === 'object') fields.description = adfText(fields.description);
  const changes = statusChangesOf(issue);
  const updatedMs = Date.parse(issue.fields.updated);
  const issueOf = (issueFields: Record<string, unknown>) => ({ id: issue.id, key: issue.key, ...(issue.self ? { self: issue.self } : {}), fields: issueFields });
  const deliveries: Delivery[] = [];

  let category = (() => {
    const first = changes[0]?.items.find((item) => item.field.toLowerCase() === 'status')?.from;
    return first ? categories.get(first) : undefined;
  })();
  let categoryChangedAt = issue.fields.created ?? null;
  for (const change of changes) {
    const item = change.items.find((i) => i.field.toLowerCase() === 'status')!;
    const to = item.to ? categories.get(item.to) : undefined;
    if (to !== category) categoryChangedAt = change.created;
    category = to;
    // The latest change is the issue as it is now (below); a status whose category is unknown cannot be replayed.
    if (Math.abs(Date.parse(change.created) - updatedMs) < 1000 || !to) continue;
    const then = {
      ...fields,
      status: { id: item.to, name: item.toString ?? null, statusCategory: { key: to } },
      updated: change.created,
      statuscategorychangedate: categoryChangedAt,
      resolutiondate: to === 'done' ? change.created : null,
    };
    deliveries.push({
      source: 'jira', event: 'jira:issue_updated', deliveryId: `backfill:jira:${issue.key}:status:${change.id ?? change.created}`, receivedAt: isoOf(change.created),
      payload: { timestamp: Date.parse(change.created), webhookEvent: 'jira:issue_updated', issue_event_type_name: 'issue_generic', issue: issueOf(then), changelog: { id: change.id ?? null, items: change.items } },
    });
  }

  // Older Jira versions lack statuscategorychangedate: the last status change in the changelog says when.
  if (!fields.statuscategorychangedate && changes.length) fields.statuscategorychangedate = changes.at(-1)!.created;
  const latest = [...(issue.changelog?.histories ?? [])].sort((a, b) => Date.parse(a.created) - Date.parse(b.created)).at(-1);
  const changeIsLatest = latest !== undefined && Math.abs(Date.parse(latest.created) - updatedMs) < 1000;
  const created = issue.fields.created && Date.parse(issue.fields.created) === updatedMs && !latest;
  const payload: Record<string, unknown> = {
    timestamp: updatedMs,
    webhookEvent: created ? 'jira:issue_created' : 'jira:issue_updated',
    issue_event_type_name: created ? 'issue_created' : 'issue_generic',
    issue: issueOf(fields),
    ...(changeIsLatest ? { changelog: { id: latest.id ?? null, items: latest.items } } : {}),
  };
  deliveries.push({ source: 'jira', event: payload.webhookEvent as string, deliveryId: `backfill:jira:${issue.key}:${isoOf(issue.fields.updated)}`, receivedAt: isoOf(issue.fields.updated), payload });
  return deliveries;
}

/** The text of an Atlassian Document Format node: paragraphs and hard breaks become lines. */
export function adfText(node: unknown): string {
  if (node === null || typeof node !== 'object') return '';
  const { type, text, content } = node as { type?: unknown; text?: unknown; content?: unknown };
  if (type === 'text' && typeof text === 'string') return text;
  if (type === 'hardBreak') return '\n';
  const inner = Array.isArray(content) ? content.map(adfText).join('') : '';
  return type === 'paragraph' || type === 'heading' || type === 'listItem' || type === 'codeBlock' ? `${inner}\n` : inner;
}
