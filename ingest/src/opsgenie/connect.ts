import { z } from 'zod';

/*
 * `paved connect opsgenie`: a Webhook integration (Integration API, /v2/integrations) posting alert
 * actions to Paved with the token Paved verifies (`X-Paved-Token`). Opsgenie cannot sign, so Paved
 * chooses the token and can update an existing integration in place. docs/getting-started.md.
 */

export class OpsgenieConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OpsgenieConnectError';
  }
}

const Integration = z.object({ id: z.string(), name: z.string().optional(), type: z.string().optional(), enabled: z.boolean().optional() }).loose();
const Listed = z.object({ data: z.array(Integration) });
const Detail = z.object({ data: Integration.extend({ url: z.string().optional() }).loose() });

export interface OpsgenieHookOutcome { id: string; action: 'created' | 'updated'; name: string; url: string }

export class OpsgenieApi {
  constructor(private readonly apiUrl: string, private readonly apiKey: string, private readonly signal?: AbortSignal) {}

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; data: unknown }> {
    const response = await fetch(`${this.apiUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers: { authorization: `GenieKey ${this.apiKey.trim()}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
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
}

function messageOf(data: unknown): string {
  const message = (data as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : 'no message';
}

function refusal(verb: string, status: number, data: unknown): OpsgenieConnectError {
  if (status === 401) return new OpsgenieConnectError('Opsgenie refused the API key (401): check OPSGENIE_API_KEY (Settings → API key management)');
  if (status === 403) return new OpsgenieConnectError(`Opsgenie refused to ${verb} integrations (403): the API key needs the "Configuration access" right (Settings → API key management → edit the key)`);
  return new OpsgenieConnectError(`Opsgenie answered ${status} to ${verb} the integration: ${messageOf(data)}`);
}

/**
 * Makes sure one enabled Webhook integration posts to `url` with `X-Paved-Token: token`: an
 * integration of that name (or pointing at that URL) is updated, else one is created.
 */
export async function ensureOpsgenieIntegration(api: OpsgenieApi, options: { url: string; token: string; name?: string }): Promise<OpsgenieHookOutcome> {
  const name = options.name ?? 'Paved';
  const listed = await api.call('GET', '/v2/integrations?type=Webhook');
  if (listed.status !== 200) throw refusal('list', listed.status, listed.data);
  let existing: string | null = null;
  for (const integration of Listed.parse(listed.data).data) {
    if (integration.type !== undefined && integration.type !== 'Webhook') continue;
    if (integration.name === name) {
      existing = integration.id;
      break;
    }
    const detail = await api.call('GET', `/v2/integrations/${encodeURIComponent(integration.id)}`);
    if (detail.status === 200 && Detail.parse(detail.data).data.url === options.url) {
      existing = integration.id;
      break;
    }
  }
  const body = {
    type: 'Webhook', name, enabled: true, url: options.url, addAlertDescription: true, addAlertDetails: true,
    headers: { 'X-Paved-Token': options.token },
  };
  const answer = existing
    ? await api.call('PUT', `/v2/integrations/${encodeURIComponent(existing)}`, body)
    : await api.call('POST', '/v2/integrations', body);
  if (answer.status !== 200 && answer.status !== 201) throw refusal(existing ? 'update' : 'create', answer.status, answer.data);
  const saved = Detail.parse(answer.data).data;
  return { id: saved.id, action: existing ? 'updated' : 'created', name, url: options.url };
}
