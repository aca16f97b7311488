import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BusUnavailableError, type Bus } from '../bus/bus.js';
import type { Delivery, NormaliseContext } from '../delivery.js';
import { verifyPagerdutySignature } from '../pagerduty/normalise.js';
import { DeliveryWarnings, receiveDelivery, RecentDeliveries, type ReceiveResult } from '../receive.js';
import { hmacHex, safeEqual, verifyBearer, verifyGithubSignature } from './auth.js';
import { BodyTooLargeError, readBody } from './body.js';

/** Secrets the receivers check; all come from the environment. */
export interface WebhookSecrets {
  GITHUB_WEBHOOK_SECRET?: string;
  PAGERDUTY_WEBHOOK_SECRET?: string;
  OPSGENIE_WEBHOOK_TOKEN?: string;
  PAVED_WEBHOOK_TOKEN?: string;
  PAVED_WEBHOOK_HMAC_SECRET?: string;
}

export interface WebhookStats {
  received: number;
  accepted: number;
  rejected: Record<string, number>;
  lastEventAt: Record<string, string>;
  ackMs: number[];
}

export interface WebhookReceiverOptions {
  bus: Bus;
  secrets: WebhookSecrets;
  context: NormaliseContext;
  log?: (entry: Record<string, unknown>) => void;
}

type Route = 'github' | 'pagerduty' | 'opsgenie' | 'deployments' | 'incidents';
const ROUTES: Record<string, Route> = {
  '/webhooks/github': 'github',
  '/webhooks/pagerduty': 'pagerduty',
  '/webhooks/opsgenie': 'opsgenie',
  '/webhooks/deployments': 'deployments',
  '/webhooks/incidents': 'incidents',
};

class HttpError extends Error {
  constructor(readonly status: number, readonly reason: string, message: string) {
    super(message);
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** GitHub may send `application/x-www-form-urlencoded` with the JSON in `payload`. */
function parseJsonBody(body: Buffer, contentType: string | undefined): unknown {
  const text = body.toString('utf8');
  try {
    if (contentType?.includes('application/x-www-form-urlencoded')) {
      const payload = new URLSearchParams(text).get('payload');
      if (payload === null) throw new Error('form body has no "payload" field');
      return JSON.parse(payload);
    }
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'unparseable', `body is not valid JSON: ${(error as Error).message}. Send the event as application/json.`);
  }
}

/**
 * The webhook receivers. Each route authenticates first (401, nothing stored), then reads and
 * parses (413/400), hands the delivery to the bus and answers only once the bus accepted it
 * (202), or 503 when the bus cannot take it so the sender retries.
 */
export class WebhookReceiver {
  readonly stats: WebhookStats = { received: 0, accepted: 0, rejected: {}, lastEventAt: {}, ackMs: [] };
  private readonly recent = new RecentDeliveries();
  private readonly warnings: DeliveryWarnings;

  constructor(private readonly options: WebhookReceiverOptions) {
    this.warnings = new DeliveryWarnings((entry) => options.log?.(entry));
  }

  /** Handles the request when its path is a webhook route; returns false otherwise. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const path = (request.url ?? '/').split('?')[0]!;
    const route = ROUTES[path];
    if (!route) return false;
    const started = performance.now();
    this.stats.received += 1;
    try {
      if (request.method !== 'POST') throw new HttpError(405, 'method', `use POST for ${path}`);
      const body = await readBody(request).catch((error: unknown) => {
        if (error instanceof BodyTooLargeError) throw new HttpError(413, 'too_large', `body over ${error.limit} bytes`);
        throw error;
      });
      const delivery = await this.authenticate(route, request, body);
      const result = await receiveDelivery(delivery, body.toString('utf8'), this.options.bus, this.options.context, this.recent, this.warnings);
      this.stats.accepted += 1;
      this.stats.lastEventAt[delivery.source] = delivery.receivedAt;
      this.stats.ackMs.push(performance.now() - started);
      if (this.stats.ackMs.length > 10_000) this.stats.ackMs.splice(0, 5_000);
      this.reply(response, 202, { accepted: true, delivery_id: delivery.deliveryId, ...summary(result) });
    } catch (error) {
      if (error instanceof HttpError) {
        this.reject(response, error.status, error.reason, error.message, route);
      } else if (error instanceof BusUnavailableError) {
        this.reject(response, 503, 'bus_unavailable', `event bus unavailable, retry later: ${error.message}`, route);
      } else {
        this.options.log?.({ level: 'error', msg: 'webhook receiver failed', route, error: (error as Error).message });
        this.reject(response, 500, 'internal', 'internal error; the delivery was not stored, retry later', route);
      }
    }
    return true;
  }

  private reject(response: ServerResponse, status: number, reason: string, message: string, route: Route): void {
    this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
    this.options.log?.({ level: status >= 500 ? 'error' : 'warn', msg: 'webhook rejected', route, status, reason });
    const headers = status === 503 ? { 'retry-after': '10' } : undefined;
    this.reply(response, status, { accepted: false, error: reason, message }, headers);
  }

  private reply(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  }

  private async authenticate(route: Route, request: IncomingMessage, body: Buffer): Promise<Delivery> {
    const secrets = this.options.secrets;
    const receivedAt = new Date().toISOString();
    const contentType = header(request, 'content-type');
    switch (route) {
      case 'github': {
        const secret = requireSecret(secrets.GITHUB_WEBHOOK_SECRET, 'GITHUB_WEBHOOK_SECRET');
        const valid = await verifyGithubSignature(body, secret, header(request, 'x-hub-signature-256'), header(request, 'x-hub-signature'));
        if (!valid) throw new HttpError(401, 'bad_signature', 'missing or invalid X-Hub-Signature-256 (or legacy X-Hub-Signature): check the webhook secret matches GITHUB_WEBHOOK_SECRET');
        const event = header(request, 'x-github-event');
        if (!event) throw new HttpError(400, 'no_event', 'missing X-GitHub-Event header');
        const payload = parseJsonBody(body, contentType);
        return { source: 'github', event, deliveryId: header(request, 'x-github-delivery') ?? bodyHash(body), receivedAt, payload };
      }
      case 'pagerduty': {
        const secret = requireSecret(secrets.PAGERDUTY_WEBHOOK_SECRET, 'PAGERDUTY_WEBHOOK_SECRET');
        const secretsList = secret.split(',').map((s) => s.trim()).filter(Boolean);
        if (!verifyPagerdutySignature(body.toString('utf8'), header(request, 'x-pagerduty-signature'), secretsList)) {
          throw new HttpError(401, 'bad_signature', 'missing or invalid X-PagerDuty-Signature: check PAGERDUTY_WEBHOOK_SECRET matches the subscription secret');
        }
        const payload = parseJsonBody(body, contentType);
        const event = (payload as { event?: { id?: unknown; event_type?: unknown } } | null)?.event;
        return {
          source: 'pagerduty', event: typeof event?.event_type === 'string' ? event.event_type : 'unknown',
          deliveryId: typeof event?.id === 'string' ? event.id : bodyHash(body), receivedAt, payload,
        };
      }
      case 'opsgenie': {
        const token = requireSecret(secrets.OPSGENIE_WEBHOOK_TOKEN, 'OPSGENIE_WEBHOOK_TOKEN');
        const given = header(request, 'x-paved-token') ?? header(request, 'authorization')?.replace(/^Bearer\s+/i, '');
        if (!given || !safeEqual(given, token)) throw new HttpError(401, 'bad_token', 'missing or invalid token: send OPSGENIE_WEBHOOK_TOKEN as "Authorization: Bearer <token>" or "X-Paved-Token"');
        const payload = parseJsonBody(body, contentType);
        const alert = (payload as { action?: unknown; alert?: { alertId?: unknown; updatedAt?: unknown } } | null);
        const action = typeof alert?.action === 'string' ? alert.action : 'unknown';
        const deliveryId = typeof alert?.alert?.alertId === 'string' ? `${alert.alert.alertId}:${action}:${String(alert.alert.updatedAt ?? '')}` : bodyHash(body);
        return { source: 'opsgenie', event: action, deliveryId, receivedAt, payload };
      }
      case 'deployments':
      case 'incidents': {
        this.verifyGeneric(request, body);
        const payload = parseJsonBody(body, contentType);
        const idempotencyKey = header(request, 'idempotency-key') ?? header(request, 'x-delivery-id');
        return { source: 'generic', event: route === 'deployments' ? 'deployment' : 'incident', deliveryId: idempotencyKey ?? bodyHash(body), receivedAt, payload };
      }
    }
  }

  /** Generic senders authenticate with `Authorization: Bearer <PAVED_WEBHOOK_TOKEN>` or `X-Paved-Signature: sha256=<hmac>`. */
  private verifyGeneric(request: IncomingMessage, body: Buffer): void {
    const { PAVED_WEBHOOK_TOKEN: token, PAVED_WEBHOOK_HMAC_SECRET: hmacSecret } = this.options.secrets;
    if (!token && !hmacSecret) throw new HttpError(401, 'not_configured', 'generic webhooks are disabled: set PAVED_WEBHOOK_TOKEN or PAVED_WEBHOOK_HMAC_SECRET');
    const signature = header(request, 'x-paved-signature');
    if (hmacSecret && signature && safeEqual(signature.trim(), `sha256=${hmacHex('sha256', hmacSecret, body)}`)) return;
    if (token && verifyBearer(header(request, 'authorization'), token)) return;
    throw new HttpError(401, 'bad_token', 'missing or invalid credentials: send "Authorization: Bearer <PAVED_WEBHOOK_TOKEN>" or "X-Paved-Signature: sha256=<HMAC of the body with PAVED_WEBHOOK_HMAC_SECRET>"');
  }
}

function requireSecret(value: string | undefined, name: string): string {
  if (!value) throw new HttpError(401, 'not_configured', `this webhook is disabled until ${name} is set in the environment`);
  return value;
}

function bodyHash(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}


function summary(result: ReceiveResult): Record<string, unknown> {
  return {
    outcome: result.outcome, events: result.events, duplicate: result.duplicate,
    ...(result.reason ? { reason: result.reason } : {}), ...(result.assumptions.length ? { assumed: result.assumptions } : {}),
  };
}
