import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BusUnavailableError, type Bus } from '../bus/bus.js';
import type { Delivery, NormaliseContext } from '../delivery.js';
import { GitlabPushCompletion } from '../gitlab/push-completion.js';
import { gitlabDeliveryId, verifyGitlabToken } from '../gitlab/webhook.js';
import { jiraDeliveryId, jiraEventOf, jiraSignatureOf, verifyJiraUrlToken } from '../jira/webhook.js';
import { DeliveryWarnings, receiveDelivery, RecentDeliveries, type ReceiveResult } from '../receive.js';
import {
  githubSignatureOf, pagerdutySignaturesOf, pavedSignatureOf, safeEqual, SignatureHeaderError, StreamingSignatureCheck, verifyBearer,
} from './auth.js';
import { BodyTooLargeError, BudgetExhaustedError, ClientAbortedError, closeAfterAnswer, MAX_BODY_BYTES, readBody, UnverifiedBytes } from './body.js';

/** Secrets the receivers check; all come from the environment. */
export interface WebhookSecrets {
  GITHUB_WEBHOOK_SECRET?: string;
  PAGERDUTY_WEBHOOK_SECRET?: string;
  OPSGENIE_WEBHOOK_TOKEN?: string;
  PAVED_WEBHOOK_TOKEN?: string;
  PAVED_WEBHOOK_HMAC_SECRET?: string;
  GITLAB_WEBHOOK_TOKEN?: string;
  /** Completes GitLab pushes of more than 20 commits through the compare API (docs/sources/gitlab.md). */
  GITLAB_TOKEN?: string;
  JIRA_WEBHOOK_SECRET?: string;
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
  /** Bytes held at once for bodies not authenticated yet, over all requests (default UNVERIFIED_BUDGET_BYTES, 48 MiB). */
  unverifiedBudgetBytes?: number;
  /** The largest body a route reads (default MAX_BODY_BYTES, 25 MiB). */
  maxBodyBytes?: number;
}

type Route = 'github' | 'gitlab' | 'jira' | 'pagerduty' | 'opsgenie' | 'deployments' | 'incidents';
const ROUTES: Record<string, Route> = {
  '/webhooks/github': 'github',
  '/webhooks/gitlab': 'gitlab',
  '/webhooks/jira': 'jira',
  '/webhooks/pagerduty': 'pagerduty',
  '/webhooks/opsgenie': 'opsgenie',
  '/webhooks/deployments': 'deployments',
  '/webhooks/incidents': 'incidents',
};

class HttpError extends Error {
  /** `close`: the body was not read (or not to its end), so the connection is closed after the answer. */
  constructor(readonly status: number, readonly reason: string, message: string, readonly close = false) {
    super(message);
  }
}

/**
 * What the headers alone say about the sender: authenticated already (a token), or a claimed
 * signature to check over the body's bytes as they arrive.
 */
type Credentials = { kind: 'token' } | { kind: 'signature'; check: StreamingSignatureCheck; failure: HttpError };

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The body as text: JSON is UTF-8 (RFC 8259), so anything else is refused rather than mangled. */
function bodyText(body: Buffer): string {
  if (body.length === 0) throw new HttpError(400, 'empty_body', 'the body is empty: send the event as a JSON object (application/json)');
  try {
    return STRICT_UTF8.decode(body);
  } catch {
    throw new HttpError(400, 'not_utf8', 'the body is not valid UTF-8: JSON must be sent as UTF-8 text (RFC 8259)');
  }
}

/** GitHub may send `application/x-www-form-urlencoded` with the JSON in `payload`. */
function parseJsonBody(text: string, contentType: string | undefined): unknown {
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
 * The webhook receivers. Each route authenticates before it holds anything: a missing or malformed
 * signature or token header is 401 before a byte of the body is read; a signed body is checked as
 * it streams in, with the bytes held meanwhile capped per request (413) and over all requests
 * (503, see UNVERIFIED_BUDGET_BYTES). Then it parses (400), hands the delivery to the bus and
 * answers only once the bus accepted it (202), or 503 when the bus cannot take it so the sender retries.
 */
export class WebhookReceiver {
  readonly stats: WebhookStats = { received: 0, accepted: 0, rejected: {}, lastEventAt: {}, ackMs: [] };
  /** Bytes of not-yet-authenticated bodies held right now (bounded by the budget). */
  readonly unverified: UnverifiedBytes;
  private readonly maxBodyBytes: number;
  private readonly recent = new RecentDeliveries();
  private readonly warnings: DeliveryWarnings;
  /** Completes GitLab pushes of more than 20 commits after they are acknowledged (only with GITLAB_TOKEN). */
  readonly gitlabPushes: GitlabPushCompletion | null;

  constructor(private readonly options: WebhookReceiverOptions) {
    this.warnings = new DeliveryWarnings((entry) => options.log?.(entry));
    const gitlabToken = options.secrets.GITLAB_TOKEN;
    this.gitlabPushes = gitlabToken
      ? new GitlabPushCompletion({ apiUrl: options.context.gitlabApiUrl ?? 'https://gitlab.com/api/v4', token: gitlabToken }, options.bus, options.context, (entry) => options.log?.(entry))
      : null;
    this.unverified = new UnverifiedBytes(options.unverifiedBudgetBytes);
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  }

  /** Handles the request when its path is a webhook route; returns false otherwise. */
  async handle(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const path = (request.url ?? '/').split('?')[0]!;
    const route = ROUTES[path];
    if (!route) return false;
    const started = performance.now();
    this.stats.received += 1;
    try {
      if (request.method !== 'POST') throw new HttpError(405, 'method', `use POST for ${path}`, true);
      // The body's bytes are dropped once decoded: only its text (archived raw) and the parsed payload stay.
      const { delivery, text } = this.deliveryOf(route, request, await this.authenticatedBody(route, request));
      const result = await receiveDelivery(delivery, text, this.options.bus, this.options.context, this.recent, this.warnings);
      this.stats.accepted += 1;
      this.stats.lastEventAt[delivery.source] = delivery.receivedAt;
      this.stats.ackMs.push(performance.now() - started);
      if (this.stats.ackMs.length > 10_000) this.stats.ackMs.splice(0, 5_000);
      this.reply(response, 202, { accepted: true, delivery_id: delivery.deliveryId, ...summary(result) });
      if (result.outcome === 'ok' && !result.duplicate) this.gitlabPushes?.complete(delivery);
    } catch (error) {
      if (error instanceof HttpError) {
        this.reject(response, error.status, error.reason, error.message, route, error.close);
      } else if (error instanceof BusUnavailableError) {
        this.reject(response, 503, 'bus_unavailable', `event bus unavailable, retry later: ${error.message}`, route);
      } else {
        this.options.log?.({ level: 'error', msg: 'webhook receiver failed', route, error: (error as Error).message });
        this.reject(response, 500, 'internal', 'internal error; the delivery was not stored, retry later', route, true);
      }
    }
    return true;
  }

  private reject(response: ServerResponse, status: number, reason: string, message: string, route: Route, close = false): void {
    this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
    this.options.log?.({ level: status >= 500 ? 'error' : 'warn', msg: 'webhook rejected', route, status, reason });
    const headers: Record<string, string> = status === 503 ? { 'retry-after': '10' } : {};
    // A body left unread is not drained: the connection ends with the answer.
    if (close) {
      headers.connection = 'close';
      closeAfterAnswer(response.req);
    }
    this.reply(response, status, { accepted: false, error: reason, message }, headers);
  }

  private reply(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  }

  /** Checks the headers, then reads the body under the limits, checking a signature chunk by chunk. */
  private async authenticatedBody(route: Route, request: IncomingMessage): Promise<Buffer> {
    const credentials = this.credentialsOf(route, request);
    const signed = credentials.kind === 'signature' ? credentials : null;
    const chunks = await readBody(request, {
      limit: this.maxBodyBytes,
      ...(signed ? { unverified: this.unverified, onChunk: (chunk: Buffer) => signed.check.update(chunk) } : {}),
    }).catch((error: unknown) => {
      if (error instanceof BodyTooLargeError) throw new HttpError(413, 'too_large', `body over ${error.limit} bytes`, true);
      if (error instanceof BudgetExhaustedError) {
        throw new HttpError(503, 'busy', 'too many unauthenticated bodies are being received at once; retry later', true);
      }
      if (error instanceof ClientAbortedError) throw new HttpError(400, 'aborted', error.message, true);
      throw error;
    });
    if (signed && !signed.check.matches()) {
      chunks.discard();
      throw signed.failure;
    }
    return chunks.toBuffer();
  }

  /** What the headers prove or claim, decided before the body is read; 401 when they cannot authenticate anyone. */
  private credentialsOf(route: Route, request: IncomingMessage): Credentials {
    const secrets = this.options.secrets;
    const refuse = (reason: string, hint: string) => (error: unknown): never => {
      if (error instanceof SignatureHeaderError) throw new HttpError(401, reason, `${error.message}. ${hint}`, true);
      throw error;
    };
    switch (route) {
      case 'github': {
        const secret = requireSecret(secrets.GITHUB_WEBHOOK_SECRET, 'GITHUB_WEBHOOK_SECRET');
        const hint = 'Check the webhook secret matches GITHUB_WEBHOOK_SECRET.';
        let claimed;
        try {
          claimed = githubSignatureOf(header(request, 'x-hub-signature-256'), header(request, 'x-hub-signature'));
        } catch (error) {
          return refuse('bad_signature', hint)(error);
        }
        return {
          kind: 'signature', check: new StreamingSignatureCheck([secret], [claimed]),
          failure: new HttpError(401, 'bad_signature', `invalid ${claimed.algorithm === 'sha256' ? 'X-Hub-Signature-256' : 'X-Hub-Signature'}: the body's HMAC does not match. ${hint}`),
        };
      }
      case 'pagerduty': {
        const secret = requireSecret(secrets.PAGERDUTY_WEBHOOK_SECRET, 'PAGERDUTY_WEBHOOK_SECRET');
        const hint = 'Check PAGERDUTY_WEBHOOK_SECRET matches the subscription secret.';
        let claimed;
        try {
          claimed = pagerdutySignaturesOf(header(request, 'x-pagerduty-signature'));
        } catch (error) {
          return refuse('bad_signature', hint)(error);
        }
        const secretsList = secret.split(',').map((s) => s.trim()).filter(Boolean);
        return {
          kind: 'signature', check: new StreamingSignatureCheck(secretsList, claimed),
          failure: new HttpError(401, 'bad_signature', `invalid X-PagerDuty-Signature: the body's HMAC does not match. ${hint}`),
        };
      }
      case 'gitlab': {
        const token = requireSecret(secrets.GITLAB_WEBHOOK_TOKEN, 'GITLAB_WEBHOOK_TOKEN');
        if (!verifyGitlabToken(header(request, 'x-gitlab-token'), token)) throw new HttpError(401, 'bad_token', 'missing or invalid X-Gitlab-Token: set the webhook\'s secret token to GITLAB_WEBHOOK_TOKEN', true);
        return { kind: 'token' };
      }
      case 'jira': {
        const secret = requireSecret(secrets.JIRA_WEBHOOK_SECRET, 'JIRA_WEBHOOK_SECRET');
        // Jira Data Center cannot sign: the secret may come as ?token= in the URL instead.
        if (verifyJiraUrlToken(request.url, secret)) return { kind: 'token' };
        const claimed = jiraSignatureOf(header(request, 'x-hub-signature'));
        if (typeof claimed === 'string') throw new HttpError(401, 'bad_signature', claimed, true);
        return {
          kind: 'signature', check: new StreamingSignatureCheck([secret], [claimed]),
          failure: new HttpError(401, 'bad_signature', 'invalid X-Hub-Signature: the body\'s HMAC does not match. Check the Jira webhook\'s secret equals JIRA_WEBHOOK_SECRET.'),
        };
      }
      case 'opsgenie': {
        const token = requireSecret(secrets.OPSGENIE_WEBHOOK_TOKEN, 'OPSGENIE_WEBHOOK_TOKEN');
        const given = header(request, 'x-paved-token') ?? header(request, 'authorization')?.replace(/^Bearer\s+/i, '');
        if (!given || !safeEqual(given, token)) throw new HttpError(401, 'bad_token', 'missing or invalid token: send OPSGENIE_WEBHOOK_TOKEN as "Authorization: Bearer <token>" or "X-Paved-Token"', true);
        return { kind: 'token' };
      }
      case 'deployments':
      case 'incidents':
        return this.genericCredentials(request);
    }
  }

  /** Generic senders authenticate with `Authorization: Bearer <PAVED_WEBHOOK_TOKEN>` or `X-Paved-Signature: sha256=<hmac>`. */
  private genericCredentials(request: IncomingMessage): Credentials {
    const { PAVED_WEBHOOK_TOKEN: token, PAVED_WEBHOOK_HMAC_SECRET: hmacSecret } = this.options.secrets;
    if (!token && !hmacSecret) throw new HttpError(401, 'not_configured', 'generic webhooks are disabled: set PAVED_WEBHOOK_TOKEN or PAVED_WEBHOOK_HMAC_SECRET', true);
    const how = 'send "Authorization: Bearer <PAVED_WEBHOOK_TOKEN>" or "X-Paved-Signature: sha256=<HMAC of the body with PAVED_WEBHOOK_HMAC_SECRET>"';
    if (token && verifyBearer(header(request, 'authorization'), token)) return { kind: 'token' };
    const signature = header(request, 'x-paved-signature');
    if (hmacSecret && signature !== undefined) {
      try {
        return {
          kind: 'signature', check: new StreamingSignatureCheck([hmacSecret], [pavedSignatureOf(signature)]),
          failure: new HttpError(401, 'bad_token', `invalid X-Paved-Signature: the body's HMAC does not match; ${how}`),
        };
      } catch (error) {
        if (error instanceof SignatureHeaderError) throw new HttpError(401, 'bad_token', `${error.message}; ${how}`, true);
        throw error;
      }
    }
    throw new HttpError(401, 'bad_token', `missing or invalid credentials: ${how}`, true);
  }

  /** The delivery an authenticated body carries: its event, its id (for deduplication) and its parsed payload. */
  private deliveryOf(route: Route, request: IncomingMessage, body: Buffer): { delivery: Delivery; text: string } {
    const text = bodyText(body);
    return { delivery: this.parsedDelivery(route, request, body, text), text };
  }

  private parsedDelivery(route: Route, request: IncomingMessage, body: Buffer, text: string): Delivery {
    const receivedAt = new Date().toISOString();
    const contentType = header(request, 'content-type');
    switch (route) {
      case 'github': {
        const event = header(request, 'x-github-event');
        if (!event) throw new HttpError(400, 'no_event', 'missing X-GitHub-Event header');
        const payload = parseJsonBody(text, contentType);
        return { source: 'github', event, deliveryId: header(request, 'x-github-delivery') ?? bodyHash(body), receivedAt, payload };
      }
      case 'pagerduty': {
        const payload = parseJsonBody(text, contentType);
        const event = (payload as { event?: { id?: unknown; event_type?: unknown } } | null)?.event;
        return {
          source: 'pagerduty', event: typeof event?.event_type === 'string' ? event.event_type : 'unknown',
          deliveryId: typeof event?.id === 'string' ? event.id : bodyHash(body), receivedAt, payload,
        };
      }
      case 'gitlab': {
        const event = header(request, 'x-gitlab-event');
        if (!event) throw new HttpError(400, 'no_event', 'missing X-Gitlab-Event header');
        const payload = parseJsonBody(text, contentType);
        const deliveryId = gitlabDeliveryId({ idempotencyKey: header(request, 'idempotency-key'), eventUuid: header(request, 'x-gitlab-event-uuid') }, body);
        return { source: 'gitlab', event, deliveryId, receivedAt, payload };
      }
      case 'jira': {
        const payload = parseJsonBody(text, contentType);
        return { source: 'jira', event: jiraEventOf(payload), deliveryId: jiraDeliveryId(header(request, 'x-atlassian-webhook-identifier'), body), receivedAt, payload };
      }
      case 'opsgenie': {
        const payload = parseJsonBody(text, contentType);
        const alert = (payload as { action?: unknown; alert?: { alertId?: unknown; updatedAt?: unknown } } | null);
        const action = typeof alert?.action === 'string' ? alert.action : 'unknown';
        const deliveryId = typeof alert?.alert?.alertId === 'string' ? `${alert.alert.alertId}:${action}:${String(alert.alert.updatedAt ?? '')}` : bodyHash(body);
        return { source: 'opsgenie', event: action, deliveryId, receivedAt, payload };
      }
      case 'deployments':
      case 'incidents': {
        const payload = parseJsonBody(text, contentType);
        const idempotencyKey = header(request, 'idempotency-key') ?? header(request, 'x-delivery-id');
        return { source: 'generic', event: route === 'deployments' ? 'deployment' : 'incident', deliveryId: idempotencyKey ?? bodyHash(body), receivedAt, payload };
      }
    }
  }
}

function requireSecret(value: string | undefined, name: string): string {
  if (!value) throw new HttpError(401, 'not_configured', `this webhook is disabled until ${name} is set in the environment`, true);
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
