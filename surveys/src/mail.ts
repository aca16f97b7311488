/**
 * Survey invitations and reminders sent by Paved over the digests' SMTP settings (`SMTP_URL`,
 * `digest.emailFrom`). Each invitation's link is generated, sent and forgotten in one step: it
 * exists only in the message. Paved keeps no address either; what it records is how many messages
 * went out per batch and team, and how many the mail server refused (shown on the campaign page).
 * Addresses that failed are returned to the person sending, once, so they can try again.
 */
import { randomBytes } from 'node:crypto';
import type { PavedConfig, PavedEnv } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';
import { type EmailMessage, type SendOutcome, sendEmail } from '@paved/mail';
import { type Invitee, type InviteOutcome, inviteToCampaign, remindCampaign, requireCampaign, SurveyInputError } from './campaigns.js';
import type { SurveyKeys } from './tokens.js';

export { type MailingCount, readMailingCounts } from './store.js';

/** Sends one message; the digest's SMTP sender in production, a stand-in's in tests. */
export type SendMail = (message: EmailMessage) => Promise<SendOutcome>;

export interface MailSettings {
  from: string;
  send: SendMail;
}

/** The digest's SMTP settings, or an error saying what to set. */
export function mailSettingsOf(config: PavedConfig, env: PavedEnv, timeoutMs = 30_000): MailSettings {
  if (!env.SMTP_URL) throw new SurveyInputError('Paved sends survey e-mail over SMTP_URL (the same setting as the digests): set it, e.g. smtp://user:password@mail.example:587, or use `paved survey invite` without --send to print the links');
  if (!/^smtps?:\/\//i.test(env.SMTP_URL)) throw new SurveyInputError('SMTP_URL must look like smtp://user:password@host:587 or smtps://user:password@host:465');
  const smtpUrl = env.SMTP_URL;
  return { from: config.digest.emailFrom, send: (message) => sendEmail(smtpUrl, message, timeoutMs) };
}

export type MailingKind = 'invitation' | 'reminder';

export interface MailingReport {
  campaign: string;
  kind: MailingKind;
  sent: number;
  /** Refused or not reached: the message did not go out. Addresses are returned only here, never stored. */
  failed: { email: string; team: string; error: string }[];
  /** Left without an answer from the mail server: may have been delivered; not retried automatically. */
  uncertain: { email: string; team: string; error: string }[];
  rejected: InviteOutcome['rejected'];
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const lastDayOf = (closesAt: string) => new Date(Date.parse(closesAt) - 1).toISOString().slice(0, 10);

function paragraphsToHtml(paragraphs: string[]): string {
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:560px">${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}</body></html>`;
}

export function invitationMessage(campaign: { title: string; closesAt: string }, team: string, url: string, k: number): { subject: string; text: string; html: string } {
  const paragraphs = [
    `You are invited to "${campaign.title}", a short survey about how building and shipping software feels in your team. It takes about ten minutes and is open until the end of ${lastDayOf(campaign.closesAt)} (UTC).`,
    `Your answers count for team ${team}. Results are shown only after the survey closes, only for groups of at least ${k} people, and never in a way that lets anyone work out one person's answers.`,
    'This link is personal: it lets you come back and change your answers until the survey closes. Paved has not kept it, nor your address, so please do not forward it.',
  ];
  const text = `${paragraphs.join('\n\n')}\n\n${url}\n`;
  const html = paragraphsToHtml(paragraphs).replace('</body>', `<p><a href="${escapeHtml(url)}">Open the survey</a></p><p style="color:#666;font-size:12px">${escapeHtml(url)}</p></body>`);
  return { subject: `${campaign.title}: how does building software feel?`, text, html };
}

async function sendAll(items: { email: string; team: string; message: Omit<EmailMessage, 'from' | 'to' | 'messageId'> }[], settings: MailSettings, onProgress?: (done: number, total: number) => void) {
  const tally = new Map<string, { sent: number; failed: number; uncertain: number }>();
  const failed: MailingReport['failed'] = [];
  const uncertain: MailingReport['uncertain'] = [];
  let done = 0;
  for (const item of items) {
    const outcome = await settings.send({ ...item.message, from: settings.from, to: [item.email], messageId: `<${randomBytes(12).toString('hex')}@paved.survey>` });
    const t = tally.get(item.team) ?? { sent: 0, failed: 0, uncertain: 0 };
    if (outcome.status === 'sent') t.sent += 1;
    else if (outcome.status === 'failed') {
      t.failed += 1;
      failed.push({ email: item.email, team: item.team, error: outcome.error });
    } else {
      t.uncertain += 1;
      uncertain.push({ email: item.email, team: item.team, error: outcome.error });
    }
    tally.set(item.team, t);
    done += 1;
    onProgress?.(done, items.length);
  }
  return { tally, failed, uncertain };
}

async function recordMailing(warehouse: Warehouse, campaignId: string, kind: MailingKind, tally: Map<string, { sent: number; failed: number; uncertain: number }>, now: Date): Promise<void> {
  if (tally.size === 0) return;
  const mailingId = randomBytes(8).toString('hex');
  await warehouse.insert('survey_mailings', [...tally].map(([team, t]) => ({ campaign_id: campaignId, mailing_id: mailingId, kind, team, ...t, at: now.toISOString() })));
}

/**
 * Mints one single-use link per invitee (recording the invite as `inviteToCampaign` does), e-mails
 * it, and lets it go. Sends one message at a time; `onProgress` reports each.
 */
export async function mailInvitations(
  warehouse: Warehouse, keys: SurveyKeys, campaignId: string, invitees: (Invitee & { line?: number })[], baseUrl: string, settings: MailSettings,
  options: { minGroupSize: number; now?: Date; onProgress?: (done: number, total: number) => void },
): Promise<MailingReport> {
  const now = options.now ?? new Date();
  const campaign = await requireCampaign(warehouse, campaignId);
  const minted = await inviteToCampaign(warehouse, keys, campaignId, invitees, baseUrl, now);
  const items = minted.links.map((link) => ({ email: link.email, team: link.team, message: invitationMessage(campaign, link.team, link.url, options.minGroupSize) }));
  // From here on the links live only in `items`, which goes out of scope when this returns.
  const { tally, failed, uncertain } = await sendAll(items, settings, options.onProgress);
  await recordMailing(warehouse, campaign.id, 'invitation', tally, now);
  return { campaign: campaign.id, kind: 'invitation', sent: [...tally.values()].reduce((s, t) => s + t.sent, 0), failed, uncertain, rejected: minted.rejected };
}

/**
 * E-mails the reminder to the same list the invitations went to (Paved kept no address, so the
 * list is given again). A reminder carries no link: Paved cannot resend yours, since it never kept
 * it, and a new one would let one person answer twice.
 */
export async function mailReminder(
  warehouse: Warehouse, campaignId: string, invitees: (Invitee & { line?: number })[], settings: MailSettings,
  options: { now?: Date; onProgress?: (done: number, total: number) => void } = {},
): Promise<MailingReport> {
  const now = options.now ?? new Date();
  const campaign = await requireCampaign(warehouse, campaignId);
  const reminder = await remindCampaign(warehouse, campaignId, now);
  const message = {
    subject: `Reminder: ${campaign.title}`,
    text: `${reminder.message}\n`,
    html: paragraphsToHtml([reminder.message]),
  };
  const rejected: InviteOutcome['rejected'] = [];
  const seen = new Set<string>();
  const items: { email: string; team: string; message: typeof message }[] = [];
  invitees.forEach((invitee, index) => {
    const key = invitee.email.trim().toLowerCase();
    if (seen.has(key)) rejected.push({ line: invitee.line ?? index + 1, reason: 'this address is listed twice; it gets one reminder' });
    else {
      seen.add(key);
      items.push({ email: invitee.email.trim(), team: invitee.team, message });
    }
  });
  const { tally, failed, uncertain } = await sendAll(items, settings, options.onProgress);
  await recordMailing(warehouse, campaign.id, 'reminder', tally, now);
  return { campaign: campaign.id, kind: 'reminder', sent: [...tally.values()].reduce((s, t) => s + t.sent, 0), failed, uncertain, rejected };
}
