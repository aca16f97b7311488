import { z } from 'zod';

/*
 * `paved connect pagerduty`: a V3 webhook subscription (REST API, /webhook_subscriptions) posting
 * PagerDuty's incident events to Paved. PagerDuty generates the signing secret and shows it only in
 * the answer to the create, so Paved keeps it then; a subscription to the same URL whose secret
 * Paved does not hold is replaced (created anew, the old one deleted) rather than left unverifiable.
 * docs/sources.md, docs/commands.md.
 */

/** The incident events Paved normalises (ingest/src/pagerduty/normalise.ts). */
export const PAGERDUTY_WEBHOOK_EVENTS = [
  'incident.triggered', 'incident.acknowledged', 'incident.unacknowledged', 'incident.resolved', 'incident.reopened',
  'incident.escalated', 'incident.reassigned', 'incident.priority_updated', 'incident.annotated',
] as const;

export class PagerdutyConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PagerdutyConnectError';
  }
}

const Subscription = z.object({
  id: z.string(),
  active: z.boolean().optional(),
  events: z.array(z.string()).default([]),
  delivery_method: z.object({ url: z.string().nullable().optional(), secret: z.string().nullable().optional() }).loose(),
  filter: z.object({ type: z.string(), id: z.string().nullable().optional() }).loose().optional(),
}).loose();
type Subscription = z.infer<typeof Subscription>;

const Page = z.object({ webhook_subscriptions: z.array(Subscription), more: z.boolean().optional(), offset: z.number().optional(), limit: z.number().optional() });

export interface PagerdutyHookOutcome {
  id: string;
  action: 'created' | 'updated' | 'replaced';
  events: string[];
  url: string;
  /** The signing secret PagerDuty generated (created or replaced), to be kept by the caller; null when updated. */
  secret: string | null;
  /** Subscriptions deleted because their secret was not Paved's. */
  deleted: string[];
}

export class PagerdutyApi {
  constructor(private readonly apiUrl: string, private readonly apiKey: string, private readonly signal?: AbortSignal) {}

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; data: unknown }> {
    const response = await fetch(`${this.apiUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers: {
        authorization: `Token token=${this.apiKey.trim()}`, accept: 'application/vnd.pagerduty+json;version=2', 'user-agent': 'paved-connect',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: this.signal ?? AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = text;
    }
    return { status: response.status, data };
  }

  /** Every webhook subscription of the account (offset pagination). */
  async subscriptions(): Promise<Subscription[]> {
    const all: Subscription[] = [];
    for (let offset = 0; ; offset += 100) {
      const answer = await this.call('GET', `/webhook_subscriptions?limit=100&offset=${offset}`);
      if (answer.status === 401) throw new PagerdutyConnectError('PagerDuty refused the API key (401): check PAGERDUTY_API_KEY (Integrations → API Access Keys)');
      if (answer.status === 403) throw new PagerdutyConnectError('PagerDuty refused to list webhook subscriptions (403): use a general access REST API key (Integrations → API Access Keys), or a user token of an Admin or Account Owner');
      if (answer.status !== 200) throw new PagerdutyConnectError(`PagerDuty answered ${answer.status} listing webhook subscriptions: ${messageOf(answer.data)}`);
      const page = Page.parse(answer.data);
      all.push(...page.webhook_subscriptions);
      if (!page.more || page.webhook_subscriptions.length === 0) return all;
    }
  }
}

function messageOf(data: unknown): string {
  const error = (data as { error?: { message?: unknown; errors?: unknown } } | null)?.error;
  if (error && typeof error.message === 'string') return `${error.message}${Array.isArray(error.errors) ? `: ${error.errors.join('; ')}` : ''}`;
  return 'no message';
}

function refusal(verb: string, status: number, data: unknown): PagerdutyConnectError {
  if (status === 403) return new PagerdutyConnectError(`PagerDuty refused to ${verb} the webhook subscription (403): the key is read-only; create a general access key without "Read-only" (Integrations → API Access Keys)`);
  return new PagerdutyConnectError(`PagerDuty answered ${status} to ${verb} the webhook subscription: ${messageOf(data)}`);
}

/**
 * Makes sure one active subscription posts Paved's incident events to `url`. With `secretHeld`
 * (Paved has the secret of the existing one), it is updated in place; otherwise a new one is
 * created (its secret returned) and any other to the same URL deleted.
 */
export async function ensurePagerdutySubscription(api: PagerdutyApi, options: { url: string; secretHeld: boolean; description?: string }): Promise<PagerdutyHookOutcome> {
  const events = [...PAGERDUTY_WEBHOOK_EVENTS];
  const existing = (await api.subscriptions()).filter((s) => (s.delivery_method.url ?? '').replace(/\/+$/, '') === options.url.replace(/\/+$/, ''));
  const description = options.description ?? 'Paved: incidents for DORA metrics';
  if (existing.length && options.secretHeld) {
    const [keep] = existing;
    const answer = await api.call('PUT', `/webhook_subscriptions/${encodeURIComponent(keep!.id)}`, { webhook_subscription: { events, active: true, description } });
    if (answer.status !== 200) throw refusal('update', answer.status, answer.data);
    const saved = Subscription.parse((answer.data as { webhook_subscription?: unknown }).webhook_subscription);
    return { id: saved.id, action: 'updated', events: saved.events, url: options.url, secret: null, deleted: [] };
  }
  const answer = await api.call('POST', '/webhook_subscriptions', {
    webhook_subscription: {
      type: 'webhook_subscription', description, events, active: true,
      delivery_method: { type: 'http_delivery_method', url: options.url },
      filter: { type: 'account_reference' },
    },
  });
  if (answer.status !== 201 && answer.status !== 200) throw refusal('create', answer.status, answer.data);
  const created = Subscription.parse((answer.data as { webhook_subscription?: unknown }).webhook_subscription);
  const secret = created.delivery_method.secret;
  if (!secret) throw new PagerdutyConnectError('PagerDuty created the subscription but sent no signing secret: delete it in PagerDuty and try again');
  const deleted: string[] = [];
  for (const old of existing) {
    const gone = await api.call('DELETE', `/webhook_subscriptions/${encodeURIComponent(old.id)}`);
    if (gone.status === 204 || gone.status === 200 || gone.status === 404) deleted.push(old.id);
  }
  return { id: created.id, action: existing.length ? 'replaced' : 'created', events: created.events, url: options.url, secret, deleted };
}
