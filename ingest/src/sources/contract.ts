import { createHash } from 'node:crypto';
import type { PavedConfig, PavedEnv } from '@paved/schemas';
import type { z } from 'zod';
import type { CursorStore } from '../backfill-cursor.js';
import type { Bus } from '../bus/bus.js';
import type { Delivery, NormaliseContext, NormaliseOutcome } from '../delivery.js';
import type { StreamingSignatureCheck } from '../http/auth.js';
import type { Logger } from '../log.js';

/*
 * The source-plugin contract (docs/sources/adding-a-source.md). A source registers one object that
 * says everything Paved needs to know about it: its config section, its webhook routes with their
 * authentication, its normaliser (webhook and backfill deliveries alike), its backfill split into
 * collect (API pages -> raw deliveries) and extract (raw delivery -> canonical events), its Data
 * health rows and its docs page. The core owns the rest: body limits, signature-first reading,
 * idempotency, the bus, the archive and replay.
 */

/** A refusal a route's authentication or delivery parsing answers with (status, machine reason, message for the sender). */
export class WebhookRefusal extends Error {
  /** `close`: the body was not read (or not to its end), so the connection is closed after the answer. */
  constructor(readonly status: number, readonly reason: string, message: string, readonly close = false) {
    super(message);
  }
}

/** What a route sees of a request before its body is read. */
export interface WebhookRequest {
  /** A header's value (the first when repeated), by lower-case name. */
  header(name: string): string | undefined;
  /** The request's path and query as sent (`/webhooks/jira?token=...`). */
  url: string;
}

/** Secrets from the environment (PavedEnv, or the test's own); each route reads the ones it names. */
export type WebhookSecrets = { readonly [name: string]: unknown };

/** A secret's value when it is set to non-empty text. */
export function secretOf(secrets: WebhookSecrets, name: string): string | undefined {
  const value = secrets[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * What the headers alone say about the sender: authenticated already (a token), or a claimed
 * signature to check over the body's bytes as they arrive (`failure()` is answered when it does not
 * match; built only then, as an error's stack trace costs a few per cent of a delivery).
 */
export type Credentials = { kind: 'token' } | { kind: 'signature'; check: StreamingSignatureCheck; failure: () => WebhookRefusal };

/** One authenticated body, decoded: its bytes (for hashing), its UTF-8 text, and a JSON parser that refuses with 400. */
export interface WebhookBody {
  bytes: Buffer;
  text: string;
  /** The body as JSON (GitHub's form-encoded `payload=` too); a WebhookRefusal (400) when it is not. */
  json(): unknown;
}

export interface WebhookRoute {
  /** Where senders post: `/webhooks/<name>`. */
  path: `/webhooks/${string}`;
  /** Environment variables the route's authentication reads (documented, and shown on Data health). */
  secrets: readonly string[];
  /**
   * Decides from the headers alone, before a byte of the body is read: a token that matches, or a
   * claimed signature to check over the raw bytes. Throws WebhookRefusal (401, `close`) otherwise;
   * `requireSecret` refuses while the route's secret is unset.
   */
  authenticate(request: WebhookRequest, secrets: WebhookSecrets): Credentials;
  /** The delivery an authenticated body carries: its event name and the id a redelivery repeats. */
  delivery(request: WebhookRequest, body: WebhookBody): Omit<Delivery, 'receivedAt'>;
}

/** A backfill: collect (the source's API, paged and resumable by cursor, into raw deliveries) and extract (those deliveries into canonical events). */
export interface SourceBackfill {
  /** Event names of the raw deliveries collect archives (what no webhook carries, e.g. a pull request's full commit list). */
  isBackfillEvent(event: string): boolean;
  /** Raw backfill delivery -> canonical events, through the same path as webhooks (receiveDelivery). */
  extract(delivery: Delivery, context: NormaliseContext): NormaliseOutcome;
  /** The CLI command that runs collect (`paved backfill <id>`), documented on the source's page. */
  command: string;
  /** `paved backfill <id>` itself: the CLI builds the subcommand from this (tools/cli/src/main.ts adds nothing per source). */
  cli?: BackfillCommand;
}

/** One option of `paved backfill <id>`, declared as data: the CLI turns it into a commander option. */
export interface BackfillCommandOption {
  /** As commander writes them: `--since <date>`, `--full`. */
  flags: string;
  description: string;
  /** A value that may be given more than once: each must match `pattern` (else the CLI refuses it with `expected`); collected into an array, empty by default. */
  repeatable?: { pattern: RegExp; expected: string };
}

/** A progress bar on stderr (on a pipe, a line every few seconds). */
export interface BackfillProgressBar {
  update(done: number, detail?: string): void;
  setTotal(total: number): void;
  /** Ends the bar, then writes `finalMessage` on its own line. */
  stop(finalMessage?: string): void;
}

/**
 * What `paved backfill <id>` hands a source's collect step. The CLI owns the rest: the warehouse
 * (where cursors live), the sink, Ctrl-C (`signal`), and the transform once collect finished.
 */
export interface BackfillCommandRun {
  bus: Bus;
  cursors: CursorStore;
  /** Aborted on Ctrl-C: collect stops between two requests, and the next run goes on from its cursors. */
  signal: AbortSignal;
  log: Logger;
  /** The normaliser settings of paved.config.yaml (normaliseContextOf). */
  context: NormaliseContext;
  progress(label: string, total: number): BackfillProgressBar;
  /** The result for scripts (`--json`). */
  stdout(text: string): void;
  /** Summaries and what was skipped, for people. */
  stderr(text: string): void;
}

/** The collect step of one `paved backfill <id>` run: `{ stoppedAfter: <requests> }` when stopped by Ctrl-C, else null. */
export type BackfillCollect = (run: BackfillCommandRun) => Promise<{ stoppedAfter: number } | null>;

export interface BackfillCommand {
  /** The subcommand's help line. */
  description: string;
  /** In the order `--help` lists them; `--full` (ignore the cursors) is read by the CLI itself. */
  options: readonly BackfillCommandOption[];
  /**
   * Checks the options, settings and credentials before anything is opened (throwing an Error
   * that says what to set), and returns the collect step.
   */
  prepare(options: Record<string, unknown>, settings: { config: PavedConfig; env: PavedEnv }): BackfillCollect;
}

/** One row of Data health's "waiting for the first delivery" list: a route whose secret is set but that has received nothing yet. */
export interface DataHealthRow {
  source: string;
  path: string;
  secret: string;
}

export interface SourcePlugin<Config extends z.ZodType = z.ZodType> {
  /** The delivery source (`Delivery.source`, the `source` of its raw rows and events). */
  id: Delivery['source'];
  /** What people call it (logs, docs). */
  title: string;
  /** Its docs page, relative to the repository root. */
  docs: `docs/${string}`;
  /** Its section of paved.config.yaml (`sources.<id>`), validated with zod at start-up. */
  config?: Config;
  webhooks: readonly WebhookRoute[];
  /** Webhook deliveries -> canonical events (backfill deliveries go to `backfill.extract`). */
  normalise(delivery: Delivery, context: NormaliseContext): NormaliseOutcome;
  backfill?: SourceBackfill;
  /** Data health rows (default: one per webhook route, with its first secret). */
  health?: readonly DataHealthRow[];
}

/** Identity function that keeps a plugin's config type (and checks the object against the contract). */
export function defineSource<Config extends z.ZodType>(plugin: SourcePlugin<Config>): SourcePlugin<Config> {
  return plugin;
}

/** The configured secret, or a 401 saying which variable switches the route on. */
export function requireSecret(secrets: WebhookSecrets, name: string): string {
  const value = secretOf(secrets, name);
  if (!value) throw new WebhookRefusal(401, 'not_configured', `this webhook is disabled until ${name} is set in the environment`, true);
  return value;
}

/**
 * A header that names a delivery (an idempotency key, a delivery id), or undefined when it is absent
 * or blank: a blank id would make every later delivery of that sender look like a duplicate and drop it.
 */
export function deliveryIdHeader(request: WebhookRequest, name: string): string | undefined {
  const value = request.header(name)?.trim();
  return value ? value : undefined;
}

/** A delivery id from the body's bytes, for senders that send none (a redelivery has the same bytes). */
export function bodyHash(body: Buffer | string): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}
