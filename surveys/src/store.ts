/**
 * The survey tables: row schemas and every read and write of them. Raw responses leave this module
 * only towards results.ts (which aggregates and suppresses) and respond.ts (one response, to the
 * holder of its link); nothing else may list answers.
 */

import { type PavedConfig, parseInstant, SurveyDefinition, type SurveyResponse } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';
import { ALL_HISTORY, estimatedDevelopers as estimateDevelopersFromPullRequests, serviceCatalog } from '@paved/transform';
import { z } from 'zod';

const instant = z.string().transform((value, ctx) => {
  const parsed = parseInstant(value);
  if (parsed === null) {
    ctx.addIssue({ code: 'custom', message: `not a time: ${value}` });
    return z.NEVER;
  }
  return parsed;
});
const num = z.coerce.number();

export const CampaignId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'campaign ids use lower-case letters, digits, - and _ (at most 64), e.g. dx-2026-q1');

export interface Campaign {
  id: string;
  surveyId: string;
  surveyVersion: number;
  title: string;
  audience: string[];
  opensAt: string;
  closesAt: string;
  reminders: string[];
  closedAt: string | null;
  createdAt: string;
  /** `managed`: created in Paved (invites, links); `external`: only responses exist (imported elsewhere, or the demo). */
  origin: 'managed' | 'external';
  responses?: number;
}

const CampaignRow = z.object({
  id: z.string(), survey_id: z.string(), survey_version: num, title: z.string(), audience: z.array(z.string()),
  opens_at: instant, closes_at: instant, reminders: z.array(instant), closed_at: instant.nullable(), created_at: instant,
});

function campaignOf(row: z.infer<typeof CampaignRow>): Campaign {
  return {
    id: row.id, surveyId: row.survey_id, surveyVersion: row.survey_version, title: row.title, audience: row.audience,
    opensAt: row.opens_at, closesAt: row.closes_at, reminders: row.reminders, closedAt: row.closed_at, createdAt: row.created_at, origin: 'managed',
  };
}

const CAMPAIGN_COLUMNS = 'id, survey_id, survey_version, title, audience, opens_at, closes_at, reminders, closed_at, created_at';

export async function readCampaign(warehouse: Warehouse, id: string): Promise<Campaign | null> {
  const [row] = await warehouse.query(`SELECT ${CAMPAIGN_COLUMNS} FROM {{db}}.survey_campaigns FINAL WHERE id = {id:String}`, { id }, CampaignRow);
  return row ? campaignOf(row) : null;
}

const ExternalRow = z.object({ campaign_id: z.string(), survey_id: z.string(), survey_version: num, responses: num, first: instant, last: instant });

/**
 * Every campaign: those created in Paved, plus campaigns known only from their responses (the demo,
 * or rounds run in another tool and imported), newest first.
 */
export async function readCampaigns(warehouse: Warehouse): Promise<Campaign[]> {
  const [managed, counts] = await Promise.all([
    warehouse.query(`SELECT ${CAMPAIGN_COLUMNS} FROM {{db}}.survey_campaigns FINAL`, {}, CampaignRow),
    warehouse.query(`
      SELECT campaign_id, any(survey_id) AS survey_id, any(survey_version) AS survey_version, count() AS responses,
             min(submitted_at) AS first, max(submitted_at) AS last
      FROM {{db}}.survey_responses FINAL GROUP BY campaign_id`, {}, ExternalRow),
  ]);
  const byId = new Map(counts.map((c) => [c.campaign_id, c]));
  const campaigns: Campaign[] = managed.map((row) => ({ ...campaignOf(row), responses: byId.get(row.id)?.responses ?? 0 }));
  for (const c of counts) {
    if (campaigns.some((m) => m.id === c.campaign_id)) continue;
    campaigns.push({
      id: c.campaign_id, surveyId: c.survey_id, surveyVersion: c.survey_version, title: c.campaign_id, audience: [],
      opensAt: c.first, closesAt: c.last, reminders: [], closedAt: c.last, createdAt: c.first, origin: 'external', responses: c.responses,
    });
  }
  return campaigns.sort((a, b) => (a.opensAt < b.opensAt ? 1 : a.opensAt > b.opensAt ? -1 : a.id.localeCompare(b.id)));
}

export async function writeCampaign(warehouse: Warehouse, campaign: Campaign, now: Date): Promise<void> {
  await warehouse.insert('survey_campaigns', [{
    id: campaign.id, survey_id: campaign.surveyId, survey_version: campaign.surveyVersion, title: campaign.title, audience: campaign.audience,
    opens_at: campaign.opensAt, closes_at: campaign.closesAt, reminders: campaign.reminders, closed_at: campaign.closedAt,
    created_at: campaign.createdAt, updated_at: now.toISOString(),
  }]);
}

// ---------- the threshold a campaign was released with ----------

const ThresholdRow = z.object({ min_group_size: num, released_at: instant });

/**
 * The group-size threshold a campaign's answers were first released with, or null before its first
 * release. The earliest row wins (ties: the larger k), so two processes releasing it at once agree.
 */
export async function readReleaseThreshold(warehouse: Warehouse, campaignId: string): Promise<{ minGroupSize: number; releasedAt: string } | null> {
  const [row] = await warehouse.query(`
    SELECT min_group_size, released_at FROM {{db}}.survey_publications
    WHERE campaign_id = {campaignId:String}
    ORDER BY released_at, min_group_size DESC LIMIT 1`, { campaignId }, ThresholdRow);
  return row ? { minGroupSize: row.min_group_size, releasedAt: row.released_at } : null;
}

export async function writeReleaseThreshold(warehouse: Warehouse, campaignId: string, minGroupSize: number, releasedAt: Date): Promise<void> {
  await warehouse.insert('survey_publications', [{ campaign_id: campaignId, min_group_size: minGroupSize, released_at: releasedAt.toISOString() }]);
}

// ---------- definitions ----------

const DefinitionRow = z.object({ definition: z.string() });

/** The stored definition of a survey version (the newest version when `version` is null). */
export async function readDefinition(warehouse: Warehouse, id: string, version: number | null): Promise<SurveyDefinition | null> {
  const rows = await warehouse.query(`
    SELECT definition FROM {{db}}.survey_definitions FINAL
    WHERE id = {id:String} AND ({version:Int64} < 0 OR version = {version:Int64})
    ORDER BY version DESC LIMIT 1`, { id, version: version ?? -1 }, DefinitionRow);
  const row = rows[0];
  if (!row) return null;
  const parsed = SurveyDefinition.safeParse(JSON.parse(row.definition));
  if (!parsed.success) throw new Error(`survey_definitions holds an invalid definition for ${id}@${version ?? 'latest'}: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

export async function writeDefinition(warehouse: Warehouse, definition: SurveyDefinition): Promise<void> {
  await warehouse.insert('survey_definitions', [{
    id: definition.id, version: definition.version, title: definition.title, definition: JSON.stringify(definition),
    event_id: `paved:survey-definition:${definition.id}:${definition.version}`,
  }]);
}

// ---------- invites ----------

export async function writeInvites(warehouse: Warehouse, campaignId: string, invites: { inviteKey: string; team: string }[], sentAt: Date): Promise<void> {
  const at = sentAt.toISOString();
  await warehouse.insert('survey_invites', invites.map((invite) => ({
    campaign_id: campaignId, invite_key: invite.inviteKey, team: invite.team, sent_at: at, reminded_at: null, updated_at: at,
  })));
}

const InviteRow = z.object({ team: z.string() });

/** The team an invite was sent for, or null when Paved never issued it. */
export async function readInviteTeam(warehouse: Warehouse, campaignId: string, inviteKey: string): Promise<string | null> {
  const [row] = await warehouse.query(`SELECT team FROM {{db}}.survey_invites FINAL WHERE campaign_id = {campaign:String} AND invite_key = {key:String}`, { campaign: campaignId, key: inviteKey }, InviteRow);
  return row?.team ?? null;
}

const InviteCountRow = z.object({ team: z.string(), invited: num, reminded: num, last_sent: instant.nullable(), last_reminded: instant.nullable() });
export type InviteCount = z.infer<typeof InviteCountRow>;

export async function readInviteCounts(warehouse: Warehouse, campaignId: string): Promise<InviteCount[]> {
  return warehouse.query(`
    SELECT team, count() AS invited, countIf(reminded_at IS NOT NULL) AS reminded, max(sent_at) AS last_sent, max(reminded_at) AS last_reminded
    FROM {{db}}.survey_invites FINAL WHERE campaign_id = {campaign:String} GROUP BY team ORDER BY team`, { campaign: campaignId }, InviteCountRow);
}

const InviteKeyRow = z.object({ invite_key: z.string(), team: z.string(), sent_at: instant });

/** Stamps every invite of the campaign as reminded at `at` (reminders go to the whole audience). */
export async function stampReminders(warehouse: Warehouse, campaignId: string, at: Date): Promise<number> {
  const rows = await warehouse.query(`SELECT invite_key, team, sent_at FROM {{db}}.survey_invites FINAL WHERE campaign_id = {campaign:String}`, { campaign: campaignId }, InviteKeyRow);
  const stamp = at.toISOString();
  await warehouse.insert('survey_invites', rows.map((row) => ({ campaign_id: campaignId, invite_key: row.invite_key, team: row.team, sent_at: row.sent_at, reminded_at: stamp, updated_at: stamp })));
  return rows.length;
}

// ---------- mailings ----------

const MailingRow = z.object({ kind: z.enum(['invitation', 'reminder']), team: z.string(), sent: num, failed: num, uncertain: num, batches: num });
export type MailingCount = z.infer<typeof MailingRow>;

/** E-mails Paved sent for a campaign (mail.ts), per kind and team, over every batch. */
export async function readMailingCounts(warehouse: Warehouse, campaignId: string): Promise<MailingCount[]> {
  return warehouse.query(`
    SELECT kind, team, sum(sent) AS sent, sum(failed) AS failed, sum(uncertain) AS uncertain, uniqExact(mailing_id) AS batches
    FROM {{db}}.survey_mailings FINAL WHERE campaign_id = {campaign:String}
    GROUP BY kind, team ORDER BY kind, team`, { campaign: campaignId }, MailingRow);
}

// ---------- responses ----------

const ResponseRow = z.object({
  id: z.string(), campaign_id: z.string(), survey_id: z.string(), survey_version: num, team: z.string(),
  tenure: z.string().nullable(), role: z.string().nullable(),
  answers: z.record(z.string(), z.union([z.null(), z.coerce.number()])), free_text: z.record(z.string(), z.string()),
  submitted_at: instant,
});

/** A stored answer sheet, as read back (bands stay strings: rows written by other tools are not trusted to be valid). */
export type StoredResponse = z.infer<typeof ResponseRow>;

const RESPONSE_COLUMNS = 'id, campaign_id, survey_id, survey_version, team, tenure, role, answers, free_text';

/** Submitted responses of a campaign. Only results.ts aggregates these; never return them to a caller. */
export async function readSubmittedResponses(warehouse: Warehouse, campaignId: string): Promise<StoredResponse[]> {
  return warehouse.query(`SELECT ${RESPONSE_COLUMNS}, submitted_at FROM {{db}}.survey_responses FINAL WHERE campaign_id = {campaign:String}`, { campaign: campaignId }, ResponseRow);
}

/** One response by its id (a keyed hash of its link): the submitted one, else the draft. */
export async function readOwnResponse(warehouse: Warehouse, campaignId: string, responseId: string): Promise<{ response: StoredResponse; submitted: boolean } | null> {
  const params = { campaign: campaignId, id: responseId };
  const [submitted] = await warehouse.query(`SELECT ${RESPONSE_COLUMNS}, submitted_at FROM {{db}}.survey_responses FINAL WHERE campaign_id = {campaign:String} AND id = {id:String}`, params, ResponseRow);
  if (submitted) return { response: submitted, submitted: true };
  const [draft] = await warehouse.query(`SELECT ${RESPONSE_COLUMNS}, saved_at AS submitted_at FROM {{db}}.survey_response_drafts FINAL WHERE campaign_id = {campaign:String} AND id = {id:String}`, params, ResponseRow);
  return draft ? { response: draft, submitted: false } : null;
}

/**
 * Writes a response (or a draft). The time kept is the UTC day only, so it cannot be lined up with
 * when an invite was sent; `previous` (the stored version's time) keeps versions strictly
 * increasing within a day, so the newest edit always wins.
 */
export async function writeResponse(warehouse: Warehouse, response: SurveyResponse, options: { draft: boolean; previous: string | null; now: Date }): Promise<string> {
  const at = versionTime(options.now, options.previous);
  const row = {
    id: response.id, campaign_id: response.campaign_id, survey_id: response.survey_id, survey_version: response.survey_version,
    team: response.team, tenure: response.tenure, role: response.role, answers: response.answers, free_text: response.free_text,
  };
  if (options.draft) await warehouse.insert('survey_response_drafts', [{ ...row, saved_at: at }]);
  else await warehouse.insert('survey_responses', [{ ...row, submitted_at: at }]);
  return at;
}

export function versionTime(now: Date, previous: string | null): string {
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const before = previous ? Date.parse(previous) : Number.NaN;
  return new Date(Number.isFinite(before) && before >= day ? before + 1 : day).toISOString();
}

/** Inserts imported responses (already validated) in one batch. */
export async function writeImported(warehouse: Warehouse, responses: SurveyResponse[]): Promise<void> {
  await warehouse.insert('survey_responses', responses.map((r) => ({
    id: r.id, campaign_id: r.campaign_id, survey_id: r.survey_id, survey_version: r.survey_version, team: r.team, tenure: r.tenure, role: r.role,
    answers: r.answers, free_text: r.free_text, submitted_at: r.submitted_at,
  })));
}

// ---------- teams ----------

/** Teams: configured teams and those of the one service catalog (@paved/transform/metrics/catalog) over all history. */
export async function knownTeams(warehouse: Warehouse, config: PavedConfig): Promise<string[]> {
  const services = await serviceCatalog(warehouse, ALL_HISTORY);
  return [...new Set([...config.catalog.teams.map((t) => t.name), ...services.map((s) => s.team).filter((team) => team !== '')])].sort((a, b) => a.localeCompare(b));
}

/**
 * Developers per team estimated from pull requests merged in [from, to): the estimate of the one
 * developer-count source (@paved/transform/metrics/catalog `teamDevelopers`), kept here for callers.
 */
export const estimatedDevelopers = estimateDevelopersFromPullRequests;
