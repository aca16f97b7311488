import type { IncomingMessage } from 'node:http';
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono, type Context } from 'hono';
import { Histogram } from 'prom-client';
import { BusUnavailableError, type Bus } from '../bus/bus.js';
import type { Delivery, NormaliseContext } from '../delivery.js';
import { GitlabPushCompletion } from '../gitlab/push-completion.js';
import { DeliveryWarnings, receiveDelivery, RecentDeliveries, type ReceiveResult } from '../receive.js';
import { sources as builtInSources } from '../sources/index.js';
import { secretOf, WebhookRefusal, type WebhookBody, type WebhookRequest, type WebhookRoute, type WebhookSecrets } from '../sources/contract.js';
import type { SourceRegistry } from '../sources/registry.js';
import { BodyTooLargeError, BudgetExhaustedError, ClientAbortedError, closeAfterAnswer, MAX_BODY_BYTES, readBody, UnverifiedBytes } from './body.js';

export type { WebhookSecrets } from '../sources/contract.js';

export interface WebhookStats {
  received: number;
  accepted: number;
  rejected: Record<string, number>;
  lastEventAt: Record<string, string>;
}

export interface WebhookReceiverOptions {
  bus: Bus;
  /** Secrets the routes check (PavedEnv: all come from the environment). */
  secrets: WebhookSecrets;
  context: NormaliseContext;
  log?: (entry: Record<string, unknown>) => void;
  /** Bytes held at once for bodies not authenticated yet, over all requests (default UNVERIFIED_BUDGET_BYTES, 48 MiB). */
  unverifiedBudgetBytes?: number;
  /** The largest body a route reads (default MAX_BODY_BYTES, 25 MiB). */
  maxBodyBytes?: number;
  /** The sources whose routes are served (default: every source Paved ships, ingest/src/sources/index.ts). */
  sources?: SourceRegistry;
}

/** Hono's environment on Node: the raw request and response (bodies are read from the raw stream, see readBody). */
export type NodeEnv = { Bindings: HttpBindings };

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** The body as text: JSON is UTF-8 (RFC 8259), so anything else is refused rather than mangled. */
function bodyText(body: Buffer): string {
  if (body.length === 0) throw new WebhookRefusal(400, 'empty_body', 'the body is empty: send the event as a JSON object (application/json)');
  try {
    return STRICT_UTF8.decode(body);
  } catch {
    throw new WebhookRefusal(400, 'not_utf8', 'the body is not valid UTF-8: JSON must be sent as UTF-8 text (RFC 8259)');
  }
}

/**
 * GitHub may send `application/x-www-form-urlencoded` with the JSON in `payload`. The choice is made
 * from the signed bytes, not from the unsigned Content-Type: a signed JSON body that contains
 * `&payload=<json>&` in a comment must not be replayable as form data carrying a forged event.
 */
function parseJsonBody(text: string, contentType: string | undefined): unknown {
  const saysForm = contentType?.includes('application/x-www-form-urlencoded') ?? false;
  const looksForm = text.startsWith('payload=');
  try {
    if (saysForm && !looksForm) throw new Error('a form body must be exactly one "payload=<url-encoded JSON>" field');
    if (looksForm) {
      const form = new URLSearchParams(text);
      const keys = [...form.keys()];
      if (keys.length !== 1 || keys[0] !== 'payload') throw new Error(`a form body must hold only the "payload" field, found ${keys.length} fields`);
      return JSON.parse(form.get('payload') ?? '');
    }
    return JSON.parse(text);
  } catch (error) {
    throw new WebhookRefusal(400, 'unparseable', `body is not valid JSON: ${(error as Error).message}. Send the event as application/json.`);
  }
}

function webhookRequest(incoming: IncomingMessage): WebhookRequest {
  return {
    url: incoming.url ?? '/',
    header(name) {
      const value = incoming.headers[name];
      return Array.isArray(value) ? value[0] : value;
    },
  };
}

/**
 * The webhook receivers, one Hono route per source plugin's webhook route. Each authenticates
 * before it holds anything: a missing or malformed signature or token header is 401 before a byte
 * of the body is read; a signed body is checked as it streams in, with the bytes held meanwhile
 * capped per request (413) and over all requests (503, see UNVERIFIED_BUDGET_BYTES). Then it parses
 * (400), hands the delivery to the bus and answers only once the bus accepted it (202), or 503 when
 * the bus cannot take it so the sender retries.
 */
export class WebhookReceiver {
  readonly stats: WebhookStats = { received: 0, accepted: 0, rejected: {}, lastEventAt: {} };
  /** Seconds from a request's arrival to its 202, for /metrics (registered by the ops endpoints). */
  readonly ackLatency = new Histogram({
    name: 'paved_webhook_ack_seconds',
    help: 'Time from a webhook request\'s arrival to its acknowledgement (202), in seconds',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [],
  });
  /** Bytes of not-yet-authenticated bodies held right now (bounded by the budget). */
  readonly unverified: UnverifiedBytes;
  /** The Hono app serving every registered webhook route (mounted by the front door of `paved start`). */
  readonly app = new Hono<NodeEnv>();
  /** Completes GitLab pushes of more than 20 commits after they are acknowledged (only with GITLAB_TOKEN). */
  readonly gitlabPushes: GitlabPushCompletion | null;
  private readonly maxBodyBytes: number;
  private readonly recent = new RecentDeliveries();
  private readonly warnings: DeliveryWarnings;
  private readonly sources: SourceRegistry;
  private readonly listener: ReturnType<typeof getRequestListener>;

  constructor(private readonly options: WebhookReceiverOptions) {
    this.sources = options.sources ?? builtInSources;
    this.warnings = new DeliveryWarnings((entry) => options.log?.(entry));
    const gitlabToken = secretOf(options.secrets, 'GITLAB_TOKEN');
    this.gitlabPushes = gitlabToken
      ? new GitlabPushCompletion({ apiUrl: options.context.gitlabApiUrl ?? 'https://gitlab.com/api/v4', token: gitlabToken }, options.bus, options.context, (entry) => options.log?.(entry))
      : null;
    this.unverified = new UnverifiedBytes(options.unverifiedBudgetBytes);
    this.maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
    for (const { route } of this.sources.routes) this.app.all(route.path, (c) => this.receive(c, route));
    this.listener = nodeListener(this.app);
  }

  /** Whether a path is one of the webhook routes. */
  serves(path: string): boolean {
    return this.sources.route(path) !== undefined;
  }

  /** Handles the request on a plain Node server when its path is a webhook route; returns false otherwise. */
  async handle(request: IncomingMessage, response: HttpBindings['outgoing']): Promise<boolean> {
    if (!this.serves((request.url ?? '/').split('?')[0]!)) return false;
    await this.listener(request, response);
    return true;
  }

  private async receive(c: Context<NodeEnv>, route: WebhookRoute): Promise<Response> {
    const started = performance.now();
    const incoming = c.env.incoming;
    this.stats.received += 1;
    try {
      if (c.req.method !== 'POST') throw new WebhookRefusal(405, 'method', `use POST for ${route.path}`, true);
      const request = webhookRequest(incoming);
      // The body's bytes are dropped once decoded: only its text (archived raw) and the parsed payload stay.
      const bytes = await this.authenticatedBody(route, request, incoming);
      const text = bodyText(bytes);
      const body: WebhookBody = { bytes, text, json: () => parseJsonBody(text, request.header('content-type')) };
      const delivery: Delivery = { ...route.delivery(request, body), receivedAt: new Date().toISOString() };
      const result = await receiveDelivery(delivery, text, this.options.bus, this.options.context, this.recent, this.warnings, this.sources);
      this.stats.accepted += 1;
      this.stats.lastEventAt[delivery.source] = delivery.receivedAt;
      this.ackLatency.observe((performance.now() - started) / 1000);
      if (result.outcome === 'ok' && !result.duplicate && delivery.source === 'gitlab') this.gitlabPushes?.complete(delivery);
      return reply(c, 202, { accepted: true, delivery_id: delivery.deliveryId, ...summary(result) });
    } catch (error) {
      if (error instanceof WebhookRefusal) return this.reject(c, error.status, error.reason, error.message, route, error.close);
      if (error instanceof BusUnavailableError) return this.reject(c, 503, 'bus_unavailable', `event bus unavailable, retry later: ${error.message}`, route);
      this.options.log?.({ level: 'error', msg: 'webhook receiver failed', route: routeName(route), error: (error as Error).message });
      return this.reject(c, 500, 'internal', 'internal error; the delivery was not stored, retry later', route, true);
    }
  }

  private reject(c: Context<NodeEnv>, status: number, reason: string, message: string, route: WebhookRoute, close = false): Response {
    this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
    // A refusal the sender can act on or retry (401, 413, 503 busy or bus unavailable) is a warning; only our own failure (500) is an error.
    this.options.log?.({ level: status === 500 ? 'error' : 'warn', msg: 'webhook rejected', route: routeName(route), status, reason });
    const headers: Record<string, string> = status === 503 ? { 'retry-after': '10' } : {};
    // A body left unread is not drained: the connection ends with the answer.
    if (close) {
      headers.connection = 'close';
      closeAfterAnswer(c.env.incoming);
    }
    return reply(c, status, { accepted: false, error: reason, message }, headers);
  }

  /** Checks the headers, then reads the body under the limits, checking a signature chunk by chunk. */
  private async authenticatedBody(route: WebhookRoute, request: WebhookRequest, incoming: IncomingMessage): Promise<Buffer> {
    const credentials = route.authenticate(request, this.options.secrets);
    const signed = credentials.kind === 'signature' ? credentials : null;
    const chunks = await readBody(incoming, {
      limit: this.maxBodyBytes,
      ...(signed ? { unverified: this.unverified, onChunk: (chunk: Buffer) => signed.check.update(chunk) } : {}),
    }).catch((error: unknown) => {
      if (error instanceof BodyTooLargeError) throw new WebhookRefusal(413, 'too_large', `body over ${error.limit} bytes`, true);
      if (error instanceof BudgetExhaustedError) {
        throw new WebhookRefusal(503, 'busy', 'too many unauthenticated bodies are being received at once; retry later', true);
      }
      if (error instanceof ClientAbortedError) throw new WebhookRefusal(400, 'aborted', error.message, true);
      throw error;
    });
    if (signed && !signed.check.matches()) {
      chunks.discard();
      throw signed.failure();
    }
    return chunks.toBuffer();
  }
}

/**
 * A Node request listener for a Hono app. Bodies are read from the raw request by the routes
 * themselves (readBody's limits) or by Next.js, so the adapter neither drains them nor swaps
 * the process's global Request/Response (Next.js runs in the same process).
 */
export function nodeListener(app: Hono<NodeEnv>): ReturnType<typeof getRequestListener> {
  return getRequestListener(app.fetch, { hostname: 'localhost', overrideGlobalObjects: false, autoCleanupIncoming: false });
}

/**
 * Writes a webhook's JSON answer on the Node response itself: deliveries are the hot path, and a
 * web Response per answer (c.json), read back as a stream by the adapter, about halved the
 * receiver's throughput in `pnpm bench:ingest` (docs/architecture.md has the figures).
 */
function reply(c: Context<NodeEnv>, status: number, body: unknown, headers: Record<string, string> = {}): Response {
  c.env.outgoing.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  return RESPONSE_ALREADY_SENT;
}

/** The route's name in logs (`github`, `deployments`): its path after /webhooks/. */
function routeName(route: WebhookRoute): string {
  return route.path.slice('/webhooks/'.length);
}

function summary(result: ReceiveResult): Record<string, unknown> {
  return {
    outcome: result.outcome, events: result.events, duplicate: result.duplicate,
    ...(result.reason ? { reason: result.reason } : {}), ...(result.assumptions.length ? { assumed: result.assumptions } : {}),
  };
}
