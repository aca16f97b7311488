import { ensureOpsgenieIntegration, ensurePagerdutySubscription, OpsgenieApi, PagerdutyApi, webhookUrlOf } from '@paved/ingest';
import { ensureWebhookSecret, loadConfig, storeWebhookSecret } from '@paved/runtime';
import { runningServer } from '../setup.js';

export interface ConnectPagerdutyOptions {
  url?: string;
  allowLoopback?: boolean;
  check?: boolean;
  apiKeyStdin?: boolean;
  apiUrl: string;
}

/**
 * `paved connect pagerduty`: a V3 webhook subscription to `<url>/webhooks/pagerduty` with the
 * incident events; the signing secret PagerDuty generates is kept 0600 in the data directory
 * (PAGERDUTY_WEBHOOK_SECRET wins when set). docs/getting-started.md.
 */
export async function connectPagerdutyCommand(options: ConnectPagerdutyOptions): Promise<void> {
  const { config, env } = loadConfig();
  const base = options.url ?? config.server.publicUrl ?? config.auth.oidc?.publicUrl;
  if (!base) throw new Error('where does PagerDuty post webhooks? pass --url https://<Paved\'s public address> (or set server.publicUrl in paved.config.yaml)');
  const url = webhookUrlOf(base, '/webhooks/pagerduty', options.allowLoopback === true);
  let apiKey = env.PAGERDUTY_API_KEY;
  if (options.apiKeyStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    apiKey = Buffer.concat(chunks).toString('utf8').trim();
  }
  if (!apiKey) throw new Error('no PagerDuty API key: set PAGERDUTY_API_KEY (Integrations → API Access Keys, not read-only) or pipe one with --api-key-stdin');
  const api = new PagerdutyApi(options.apiUrl, apiKey);
  const out = process.stderr;

  if (options.check) {
    const subscriptions = await api.subscriptions();
    const ours = subscriptions.filter((s) => s.delivery_method.url === url).length;
    out.write(`the key can read webhook subscriptions (${subscriptions.length} in the account, ${ours} to ${url}); creating one needs a key that is not read-only, which shows when it is saved\n`);
    return;
  }

  const fromEnvironment = Boolean(process.env.PAGERDUTY_WEBHOOK_SECRET);
  const secretHeld = Boolean(env.PAGERDUTY_WEBHOOK_SECRET);
  const outcome = await ensurePagerdutySubscription(api, { url, secretHeld });
  out.write(`webhook subscription ${outcome.action} (${outcome.id}): ${outcome.events.length} incident events → ${url}\n`);
  if (outcome.deleted.length) out.write(`deleted ${outcome.deleted.length} older subscription${outcome.deleted.length === 1 ? '' : 's'} to the same URL whose signing secret Paved did not hold (${outcome.deleted.join(', ')})\n`);
  if (outcome.secret) {
    const stored = storeWebhookSecret(env, 'PAGERDUTY_WEBHOOK_SECRET', outcome.secret);
    out.write(`note: PagerDuty's signing secret is in ${stored.file} (owner-only); Paved processes on this data directory verify with it\n`);
    if (fromEnvironment) out.write('note: PAGERDUTY_WEBHOOK_SECRET is set in the environment and wins over the stored secret: unset it, or add the stored one after a comma (both are accepted during a rotation)\n');
    const server = runningServer(env);
    if (server) out.write(`note: restart paved start (pid ${server.pid}) so it verifies with the new secret\n`);
  }
  out.write(`Data health: ${base.replace(/\/+$/, '')}/health\n`);
}

export interface ConnectOpsgenieOptions {
  url?: string;
  allowLoopback?: boolean;
  apiKeyStdin?: boolean;
  apiUrl: string;
}

/**
 * `paved connect opsgenie`: a Webhook integration posting alert actions to
 * `<url>/webhooks/opsgenie` with `X-Paved-Token` = OPSGENIE_WEBHOOK_TOKEN (generated 0600 into the
 * data directory when unset); an integration named "Paved" is updated in place.
 */
export async function connectOpsgenieCommand(options: ConnectOpsgenieOptions): Promise<void> {
  const { config, env } = loadConfig();
  const base = options.url ?? config.server.publicUrl ?? config.auth.oidc?.publicUrl;
  if (!base) throw new Error('where does Opsgenie post webhooks? pass --url https://<Paved\'s public address> (or set server.publicUrl in paved.config.yaml)');
  const url = webhookUrlOf(base, '/webhooks/opsgenie', options.allowLoopback === true);
  let apiKey = env.OPSGENIE_API_KEY;
  if (options.apiKeyStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    apiKey = Buffer.concat(chunks).toString('utf8').trim();
  }
  if (!apiKey) throw new Error('no Opsgenie API key: set OPSGENIE_API_KEY (Settings → API key management, with Configuration access) or pipe one with --api-key-stdin');
  const token = ensureWebhookSecret(env, 'OPSGENIE_WEBHOOK_TOKEN');
  const outcome = await ensureOpsgenieIntegration(new OpsgenieApi(options.apiUrl, apiKey), { url, token: token.value });
  const out = process.stderr;
  out.write(`Webhook integration "${outcome.name}" ${outcome.action} (${outcome.id}) → ${url}\n`);
  if (token.from === 'generated') {
    out.write(`note: a new webhook token is in ${token.file} (owner-only); Paved processes on this data directory verify with it\n`);
    const server = runningServer(env);
    if (server) out.write(`note: restart paved start (pid ${server.pid}) so it verifies with the new token\n`);
  }
  out.write(`Data health: ${base.replace(/\/+$/, '')}/health\n`);
}
