/** Creating, inviting to, reminding about and closing campaigns. Shared by the CLI and the admin routes. */
import { isoDay, type PavedConfig, type SurveyDefinition } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';
import { z } from 'zod';
import { parseCsv } from './csv.js';
import { parseDefinition, parseSurveyRef } from './definition.js';
import { campaignStatus } from './results.js';
import { type Campaign, CampaignId, knownTeams, readCampaign, readCampaigns, readDefinition, stampReminders, writeCampaign, writeDefinition, writeInvites } from './store.js';
import { loadTemplate } from './template.js';
import { mintInvite, type SurveyKeys } from './tokens.js';

/** A problem the person can fix (bad input, wrong state): shown as is, never as a stack trace. */
export class SurveyInputError extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
    this.name = 'SurveyInputError';
  }
}

const date = isoDay;

export const CampaignInput = z.object({
  id: CampaignId,
  title: z.string().trim().min(1).max(200).optional(),
  /** `developer-experience` (newest stored version, else the template) or `developer-experience@2`. */
  survey: z.string().min(1).default('developer-experience'),
  /** A YAML definition to use (and store) instead of a stored one. */
  definition: z.string().optional(),
  audience: z.array(z.string().trim().min(1)).min(1, 'choose at least one team for the audience'),
  opens: date('opens'),
  /** Last day answers are accepted (inclusive, UTC). */
  closes: date('closes'),
  reminders: z.array(date('each reminder')).default([]),
})
  .refine((c) => c.opens <= c.closes, { message: 'closes must be on or after opens', path: ['closes'] })
  .refine((c) => c.reminders.every((r) => r >= c.opens && r <= c.closes), { message: 'reminders must fall between opens and closes', path: ['reminders'] });
export type CampaignInput = z.input<typeof CampaignInput>;

export function inputProblems(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
}

const dayAfter = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString();

async function resolveDefinition(warehouse: Warehouse, survey: string, yaml: string | undefined): Promise<SurveyDefinition> {
  if (yaml) {
    const definition = parseDefinition(yaml, 'the definition file');
    const stored = await readDefinition(warehouse, definition.id, definition.version);
    if (stored && JSON.stringify(stored) !== JSON.stringify(definition)) {
      throw new SurveyInputError(`${definition.id} version ${definition.version} is already stored with different content: raise \`version\` in the file (answers to the stored version must keep their meaning)`);
    }
    if (!stored) await writeDefinition(warehouse, definition);
    return definition;
  }
  const ref = parseSurveyRef(survey);
  if (ref.version !== null && !Number.isInteger(ref.version)) throw new SurveyInputError(`survey "${survey}": write it as id or id@version, e.g. developer-experience@2`);
  const template = loadTemplate();
  // The shipped template wins for its own version; otherwise use what is stored.
  if (template.id === ref.id && (ref.version === null || ref.version === template.version)) {
    const stored = await readDefinition(warehouse, template.id, template.version);
    if (!stored) await writeDefinition(warehouse, template);
    return stored ?? template;
  }
  const stored = await readDefinition(warehouse, ref.id, ref.version);
  if (!stored) throw new SurveyInputError(`no survey "${survey}" is stored: pass a definition file (paved survey create --definition FILE) or use ${template.id}`);
  return stored;
}

export async function createCampaign(warehouse: Warehouse, config: PavedConfig, raw: unknown, now = new Date()): Promise<Campaign> {
  const parsed = CampaignInput.safeParse(raw);
  if (!parsed.success) throw new SurveyInputError(inputProblems(parsed.error));
  const input = parsed.data;
  if ((await readCampaigns(warehouse)).some((c) => c.id === input.id)) throw new SurveyInputError(`a campaign "${input.id}" already exists: choose another id`, 409);
  const teams = await knownTeams(warehouse, config);
  const unknown = input.audience.filter((t) => !teams.includes(t));
  if (teams.length && unknown.length) throw new SurveyInputError(`not teams in the catalog: ${unknown.join(', ')} (known: ${teams.join(', ')})`);
  const definition = await resolveDefinition(warehouse, input.survey, input.definition);
  const campaign: Campaign = {
    id: input.id,
    surveyId: definition.id,
    surveyVersion: definition.version,
    title: input.title ?? input.id,
    audience: [...new Set(input.audience)].sort((a, b) => a.localeCompare(b)),
    opensAt: `${input.opens}T00:00:00.000Z`,
    closesAt: dayAfter(input.closes),
    reminders: [...new Set(input.reminders)].sort().map((d) => `${d}T09:00:00.000Z`),
    closedAt: null,
    createdAt: now.toISOString(),
    origin: 'managed',
  };
  await writeCampaign(warehouse, campaign, now);
  return campaign;
}

export async function requireCampaign(warehouse: Warehouse, id: string): Promise<Campaign> {
  if (!CampaignId.safeParse(id).success) throw new SurveyInputError(`"${id}" is not a campaign id`, 404);
  const campaign = await readCampaign(warehouse, id);
  if (!campaign) {
    const external = (await readCampaigns(warehouse)).some((c) => c.id === id);
    throw new SurveyInputError(external ? `campaign "${id}" only exists as imported responses; create it in Paved to manage it` : `no campaign "${id}"`, 404);
  }
  return campaign;
}

export async function closeCampaign(warehouse: Warehouse, id: string, now = new Date()): Promise<Campaign> {
  const campaign = await requireCampaign(warehouse, id);
  if (campaignStatus(campaign, now) === 'closed') throw new SurveyInputError(`campaign "${id}" is already closed`, 409);
  const closed = { ...campaign, closedAt: now.toISOString() };
  await writeCampaign(warehouse, closed, now);
  return closed;
}

export interface Invitee {
  email: string;
  team: string;
}

export interface InviteOutcome {
  /** Links to hand out: shown once, never stored. */
  links: { email: string; team: string; url: string }[];
  rejected: { line: number; reason: string }[];
}

const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>"]+$/;

/** Reads `email,team` CSV (header required; other columns ignored). */
export function parseInvitees(csv: string): { invitees: (Invitee & { line: number })[]; rejected: InviteOutcome['rejected'] } {
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(csv);
  } catch (error) {
    throw new SurveyInputError(`the email list is not valid CSV: ${(error as Error).message}`);
  }
  const [header, ...rows] = records;
  const columns = header?.fields.map((f) => f.trim().toLowerCase()) ?? [];
  const emailAt = columns.indexOf('email');
  const teamAt = columns.indexOf('team');
  if (emailAt === -1 || teamAt === -1) throw new SurveyInputError('the email list needs a header row with the columns email and team');
  const invitees: (Invitee & { line: number })[] = [];
  const rejected: InviteOutcome['rejected'] = [];
  for (const row of rows) {
    const email = (row.fields[emailAt] ?? '').trim();
    const team = (row.fields[teamAt] ?? '').trim();
    if (!EMAIL.test(email)) rejected.push({ line: row.line, reason: 'no valid email address' });
    else if (!team) rejected.push({ line: row.line, reason: 'no team' });
    else invitees.push({ email, team, line: row.line });
  }
  return { invitees, rejected };
}

/**
 * Mints one single-use link per invitee and records the invite (keyed hash, team, batch time).
 * The email addresses are only in the returned links, for the caller to send; Paved keeps none.
 */
export async function inviteToCampaign(warehouse: Warehouse, keys: SurveyKeys, campaignId: string, invitees: (Invitee & { line?: number })[], baseUrl: string, now = new Date()): Promise<InviteOutcome> {
  const campaign = await requireCampaign(warehouse, campaignId);
  if (campaignStatus(campaign, now) === 'closed') throw new SurveyInputError(`campaign "${campaignId}" is closed: no new invites`, 409);
  const rejected: InviteOutcome['rejected'] = [];
  const seen = new Set<string>();
  const accepted: Invitee[] = [];
  invitees.forEach((invitee, index) => {
    const line = invitee.line ?? index + 1;
    const email = invitee.email.trim();
    if (!EMAIL.test(email)) rejected.push({ line, reason: 'no valid email address' });
    else if (!campaign.audience.includes(invitee.team)) rejected.push({ line, reason: `team "${invitee.team}" is not in this campaign's audience (${campaign.audience.join(', ')})` });
    else if (seen.has(email.toLowerCase())) rejected.push({ line, reason: 'this address is listed twice; it gets one link' });
    else {
      seen.add(email.toLowerCase());
      accepted.push({ email, team: invitee.team });
    }
  });
  const minted = accepted.map((invitee) => ({ invitee, invite: mintInvite(keys, campaign.id) }));
  // One timestamp for the whole batch, and rows keyed by a random hash: the table keeps no order or time per person.
  await writeInvites(warehouse, campaign.id, minted.map((m) => ({ inviteKey: m.invite.inviteKey, team: m.invitee.team })), now);
  const base = baseUrl.replace(/\/+$/, '');
  return { links: minted.map((m) => ({ email: m.invitee.email, team: m.invitee.team, url: `${base}/s/${m.invite.token}` })), rejected };
}

/** Records that a reminder went to the whole audience (reminders carry no link; people use the one they got). */
export async function remindCampaign(warehouse: Warehouse, campaignId: string, now = new Date()): Promise<{ reminded: number; message: string }> {
  const campaign = await requireCampaign(warehouse, campaignId);
  if (campaignStatus(campaign, now) !== 'open') throw new SurveyInputError(`campaign "${campaignId}" is not open: nothing to remind about`, 409);
  const reminded = await stampReminders(warehouse, campaign.id, now);
  const closes = new Date(Date.parse(campaign.closesAt) - 1).toISOString().slice(0, 10);
  return { reminded, message: `Reminder: "${campaign.title}" is open until the end of ${closes} (UTC). Use the personal link from your invitation; if you already answered, you can still change your answers with it. Thank you!` };
}

/** Reminders of the campaign's schedule that are due (at or before `now`) and not yet sent. */
export function dueReminders(campaign: Campaign, lastReminded: string | null, now = new Date()): string[] {
  return campaign.reminders.filter((r) => r <= now.toISOString() && (lastReminded === null || r > lastReminded));
}
