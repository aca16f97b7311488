import type { PavedConfig, PavedEnv } from '@paved/schemas';
import { NOT_REACHED, type SendOutcome } from '@paved/mail';
import type { RenderedDigest } from './render.js';

export const CHANNELS = ['slack', 'email', 'archive'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Where each digest goes; `null`/empty means that channel has no destination for that digest. */
export interface Destinations {
  slackUrl(team: string | null): string | null;
  emailTo(team: string | null): string[];
  smtpUrl: string | null;
  emailFrom: string;
}

/** `payments-core` → `SLACK_WEBHOOK_URL_PAYMENTS_CORE`. */
export function teamSlackVariable(team: string): string {
  return `SLACK_WEBHOOK_URL_${team.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_|_$/g, '')}`;
}

function webhookUrl(value: string | undefined, name: string): string | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} is not a URL: use the incoming-webhook URL Slack shows (https://hooks.slack.com/services/...)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${name} must be an http(s) URL`);
  return url.href;
}

/**
 * The organisation digest goes to SLACK_WEBHOOK_URL and `digest.emailTo`; a team's digest goes to
 * SLACK_WEBHOOK_URL_<TEAM> and `digest.teamRecipients[team]` (a team without either gets only the
 * archive). Webhook URLs are secrets: they are checked here and never logged.
 */
export function destinationsOf(config: PavedConfig, env: PavedEnv, processEnv: NodeJS.ProcessEnv = process.env): Destinations {
  const orgSlack = webhookUrl(env.SLACK_WEBHOOK_URL, 'SLACK_WEBHOOK_URL');
  let smtpUrl: string | null = null;
  if (env.SMTP_URL) {
    if (!/^smtps?:\/\//i.test(env.SMTP_URL)) throw new Error('SMTP_URL must look like smtp://user:password@host:587 or smtps://user:password@host:465');
    smtpUrl = env.SMTP_URL;
  }
  return {
    slackUrl: (team) => (team === null ? orgSlack : webhookUrl(processEnv[teamSlackVariable(team)], teamSlackVariable(team))),
    emailTo: (team) => (team === null ? config.digest.emailTo : config.digest.teamRecipients[team] ?? []),
    smtpUrl,
    emailFrom: config.digest.emailFrom,
  };
}

/** Whether `channel` has somewhere to deliver the digest of `team`, and if not, why. */
export function destinationProblem(destinations: Destinations, channel: Channel, team: string | null): string | null {
  if (channel === 'archive') return null;
  if (channel === 'slack') return destinations.slackUrl(team) ? null : team === null ? 'SLACK_WEBHOOK_URL is not set' : `${teamSlackVariable(team)} is not set`;
  if (!destinations.emailTo(team).length) return team === null ? 'digest.emailTo is empty' : `digest.teamRecipients has no "${team}"`;
  return destinations.smtpUrl ? null : 'SMTP_URL is not set';
}

/** Error text with the webhook URL (a secret) cut out, on one line. */
function clean(message: string, secret: string): string {
  return message.split(secret).join('[webhook]').replace(/\s+/g, ' ').slice(0, 300);
}

function errorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  return cause?.code ?? (error as NodeJS.ErrnoException | undefined)?.code;
}

/** POSTs `{text, blocks}` to a Slack incoming webhook. */
export async function postToSlack(url: string, message: RenderedDigest['slack'], timeoutMs: number): Promise<SendOutcome> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(message), signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const code = errorCode(error);
    const text = clean(`${(error as Error).message}${code ? ` (${code})` : ''}`, url);
    // Not connected: nothing left this process. Anything else (timeout, reset) may have reached Slack.
    if (code && NOT_REACHED.has(code)) return { status: 'failed', retryable: true, error: `Slack not reached: ${text}` };
    return { status: 'uncertain', error: `no answer from Slack: ${text}` };
  }
  const body = clean(await response.text().catch(() => ''), url);
  if (response.ok) return { status: 'sent', detail: `Slack answered ${response.status}` };
  const retryAfter = Number(response.headers.get('retry-after'));
  if (response.status === 429 || response.status >= 500) {
    return { status: 'failed', retryable: true, error: `Slack answered ${response.status} ${body}`.trim(), ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}) };
  }
  // 400 invalid_blocks, 403 action_prohibited, 404 no_service, 410 channel_is_archived: a person has to act.
  return { status: 'failed', retryable: false, error: `Slack answered ${response.status} ${body}`.trim() };
}
