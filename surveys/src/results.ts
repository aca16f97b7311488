/**
 * Survey results, with disclosure control enforced here, in the query layer: every output (dashboard
 * page, `GET /api/v1/surveys/results`, the CSV export, the weekly digest, the roadmap, ROI and the
 * joined view) is built from `SurveyResults`, which only ever holds what `planPublication()` allows
 * for the campaign as a whole (all breakdowns audited together). Raw responses never leave this module.
 *
 * Answers are released once, when the campaign closes: while it is open only participation counts
 * are shown, so two reads around one more submission cannot be subtracted to recover that person.
 * Free text appears only organisation-wide (themes and verbatim answers), never under a group.
 */

import { type PavedConfig, RoleBand, type SurveyDefinition, TenureBand } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';
import { type DeveloperSource, loadAssumptions, teamDevelopers } from '@paved/transform';
import { type Cell, toCsv } from './csv.js';
import { type CellRef, DIMENSIONS, type Dimension, effectiveMinGroupSize, groupOf, NOT_GIVEN, type PlanOptions, type Publication, planPublication } from './disclosure.js';
import { type GroupScore, type Scoreable, scoreGroup, withChange } from './score.js';
import { type Campaign, readCampaigns, readDefinition, readInviteCounts, readMailingCounts, readReleaseThreshold, readSubmittedResponses, type StoredResponse, writeReleaseThreshold } from './store.js';
import { loadTemplate } from './template.js';

export { DIMENSIONS, type Dimension, groupOf, NOT_GIVEN };

export type CampaignStatus = 'scheduled' | 'open' | 'closed';

export function campaignStatus(campaign: Pick<Campaign, 'opensAt' | 'closesAt' | 'closedAt'>, now: Date): CampaignStatus {
  const t = now.getTime();
  if (campaign.closedAt !== null && Date.parse(campaign.closedAt) <= t) return 'closed';
  if (Date.parse(campaign.closesAt) <= t) return 'closed';
  if (Date.parse(campaign.opensAt) > t) return 'scheduled';
  return 'open';
}

export interface CampaignSummary {
  id: string;
  title: string;
  surveyId: string;
  surveyVersion: number;
  opensAt: string;
  closesAt: string;
  closedAt: string | null;
  status: CampaignStatus;
  origin: Campaign['origin'];
  audience: string[];
}

export interface Respondent extends Scoreable {
  team: string;
  tenure: string | null;
  role: string | null;
}

export type DenominatorSource = 'invites' | DeveloperSource;

export interface ParticipationRow {
  team: string;
  /** Invited people, or developers in the team. */
  denominator: number | null;
  source: DenominatorSource | null;
  /** Null when the team's results are hidden (its count would help single people out). */
  responses: number | null;
  rate: number | null;
}

export interface SurveyResults {
  campaign: CampaignSummary;
  definition: { id: string; version: number; title: string };
  minGroupSize: number;
  by: Dimension;
  /** Whether answers are released: only once the campaign has closed. */
  released: boolean;
  /** Respondents in the whole campaign; null when even the total is below the threshold. */
  respondents: number | null;
  /** Organisation-wide figures (with free text); null before release or below the threshold. */
  org: GroupScore | null;
  /** Only groups that may be shown (their free text is never listed: it stays organisation-wide). */
  groups: GroupScore[];
  /** Groups with respondents whose figures are withheld (below the threshold, or to protect one that is). */
  hiddenGroups: string[];
  /** Of `hiddenGroups`, those with enough respondents that are withheld so a smaller group cannot be worked out. */
  complementaryGroups: string[];
  participation: { teams: ParticipationRow[]; responses: number | null; denominator: number | null; rate: number | null };
  previous: { id: string; title: string } | null;
  notes: string[];
}

export interface ResultsInput {
  campaign: CampaignSummary;
  definition: SurveyDefinition;
  responses: Respondent[];
  /** The threshold to publish with: for a released campaign, the one it was first released with (loadResultsInput). */
  minGroupSize: number;
  denominators: Map<string, { count: number; source: DenominatorSource }>;
  /** The earlier round compared with; `minGroupSize` is the threshold it was released with (default: this campaign's). */
  previous: { campaign: CampaignSummary; definition: SurveyDefinition; responses: Respondent[]; minGroupSize?: number } | null;
  notes: string[];
}

/**
 * How results are released. The product always uses the defaults; tests switch the controls off
 * to show that their attacks find leaks without them.
 */
export interface ReleaseOptions extends PlanOptions {
  /** `atClose` (the product): answers only once the campaign has closed. `live`: answers while open. */
  release?: 'atClose' | 'live';
  /** False (the product): free text only organisation-wide. True lists it under each group too. */
  groupFreeText?: boolean;
}

function membersOf(responses: readonly Respondent[], by: Dimension, group: string): Respondent[] {
  return responses.filter((r) => groupOf(r, by) === group);
}

/** Only organisation-wide free text is published; a group's would be attributable by subtraction. */
function withoutFreeText(group: GroupScore): GroupScore {
  return { ...group, freeText: [] };
}

interface Scored {
  plan: Publication;
  released: boolean;
  org: GroupScore | null;
  groups: GroupScore[];
}

function scorePublished(definition: SurveyDefinition, campaign: CampaignSummary, responses: readonly Respondent[], by: Dimension, k: number, options: ReleaseOptions): Scored {
  const plan = planPublication(responses, k, options);
  const released = (options.release ?? 'atClose') === 'live' || campaign.status === 'closed';
  if (!released) return { plan, released, org: null, groups: [] };
  return {
    plan,
    released,
    org: plan.org ? scoreGroup(definition, 'all', responses) : null,
    groups: plan.shown[by].map((g) => {
      const score = scoreGroup(definition, g, membersOf(responses, by, g));
      return options.groupFreeText ? score : withoutFreeText(score);
    }),
  };
}

const sameCell = (by: Dimension) => (c: CellRef) => c.dimension === by;

/** The results of one campaign broken down by `by`, with every withheld group left out. Pure. */
export function computeResults(input: ResultsInput, by: Dimension, options: ReleaseOptions = {}): SurveyResults {
  const k = effectiveMinGroupSize(input.minGroupSize);
  const current = scorePublished(input.definition, input.campaign, input.responses, by, k, options);
  // The earlier round as it was published (its own threshold): a change is only ever against figures already out.
  const before = input.previous ? scorePublished(input.previous.definition, input.previous.campaign, input.previous.responses, by, effectiveMinGroupSize(input.previous.minGroupSize ?? k), options) : null;
  const org = current.org ? withChange(current.org, before?.org) : null;
  const groups = current.groups.map((g) => withChange(g, before?.groups.find((p) => p.group === g.group)));
  const { plan } = current;

  // Participation is per team whatever the breakdown, and shows counts only for teams that may be shown.
  const teamSizes = new Map<string, number>();
  for (const r of input.responses) teamSizes.set(r.team, (teamSizes.get(r.team) ?? 0) + 1);
  const teams = [...new Set([...input.campaign.audience, ...teamSizes.keys()])].sort((a, b) => a.localeCompare(b));
  const rows: ParticipationRow[] = teams.map((team) => {
    const denominator = input.denominators.get(team) ?? null;
    const shown = plan.shown.team.includes(team);
    // Every team that is not shown reads the same (null), whether it answered or not: a 0 beside a
    // published headcount would tell a one-person team's colleagues whether that person took part.
    const responses = shown ? teamSizes.get(team) ?? 0 : null;
    return {
      team, denominator: denominator?.count ?? null, source: denominator?.source ?? null, responses,
      rate: responses !== null && denominator && denominator.count > 0 ? Number((responses / denominator.count).toFixed(4)) : null,
    };
  });
  const total = plan.org ? input.responses.length : null;
  const allKnown = rows.length > 0 && rows.every((r) => r.denominator !== null);
  const denominator = allKnown ? rows.reduce((s, r) => s + (r.denominator ?? 0), 0) : null;
  const notes = [...input.notes];
  if (!current.released) notes.push(`Answers are released when the campaign closes (${input.campaign.closesAt.slice(0, 10)}); until then only participation is shown, so no one's answers can be worked out by comparing two reads.`);

  return {
    campaign: input.campaign,
    definition: { id: input.definition.id, version: input.definition.version, title: input.definition.title },
    minGroupSize: k,
    by,
    released: current.released,
    respondents: total,
    org,
    groups,
    hiddenGroups: current.released ? plan.hidden[by] : [],
    complementaryGroups: current.released ? plan.complementary.filter(sameCell(by)).map((c) => c.group).sort((a, b) => a.localeCompare(b)) : [],
    participation: { teams: rows, responses: total, denominator, rate: total !== null && denominator ? Number((total / denominator).toFixed(4)) : null },
    previous: input.previous ? { id: input.previous.campaign.id, title: input.previous.campaign.title } : null,
    notes,
  };
}

// ---------- the query layer ----------

function summaryOf(c: Campaign, now: Date): CampaignSummary {
  return {
    id: c.id, title: c.title, surveyId: c.surveyId, surveyVersion: c.surveyVersion, opensAt: c.opensAt, closesAt: c.closesAt,
    closedAt: c.closedAt, status: campaignStatus(c, now), origin: c.origin, audience: c.audience,
  };
}

function respondentOf(r: StoredResponse): Respondent {
  return {
    team: r.team,
    tenure: TenureBand.safeParse(r.tenure).success ? r.tenure : null,
    role: RoleBand.safeParse(r.role).success ? r.role : null,
    answers: r.answers,
    free_text: r.free_text,
  };
}

/**
 * The definition a campaign was answered on: the stored one, else the shipped template when it is
 * the same survey (with a note, since wording may differ).
 */
export async function definitionFor(warehouse: Warehouse, surveyId: string, version: number, notes: string[] = []): Promise<SurveyDefinition> {
  const stored = await readDefinition(warehouse, surveyId, version);
  if (stored) return stored;
  const template = loadTemplate();
  if (template.id === surveyId) {
    if (template.version !== version) notes.push(`Survey ${surveyId} version ${version} is not stored; scored with the shipped template (version ${template.version}) by item id.`);
    return template;
  }
  throw new Error(`survey ${surveyId} version ${version} is not in the warehouse: create the campaign with its definition (paved survey create --definition FILE)`);
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The 90 days before a campaign closed (or now, while open): the window its measured metrics come from. */
export function metricWindowOf(campaign: Pick<CampaignSummary, 'closesAt' | 'closedAt'>, now: Date): { from: string; to: string } {
  const end = [campaign.closesAt, campaign.closedAt, now.toISOString()].filter((t): t is string => t !== null).sort()[0]!;
  const to = addDays(end, 1);
  return { from: addDays(to, -90), to };
}

async function denominatorsOf(warehouse: Warehouse, config: PavedConfig, campaign: CampaignSummary, now: Date): Promise<ResultsInput['denominators']> {
  const out: ResultsInput['denominators'] = new Map();
  if (campaign.origin === 'managed') {
    // Invitations the mail server refused never reached anyone: they are not part of who could answer.
    const undelivered = new Map((await readMailingCounts(warehouse, campaign.id)).filter((m) => m.kind === 'invitation').map((m) => [m.team, m.failed]));
    for (const row of await readInviteCounts(warehouse, campaign.id)) out.set(row.team, { count: Math.max(0, row.invited - (undelivered.get(row.team) ?? 0)), source: 'invites' });
  }
  // The one source of developer counts, shared with the Roadmap and ROI: override, catalog, estimate.
  for (const [team, developers] of await teamDevelopers(warehouse, await loadAssumptions(warehouse, config), metricWindowOf(campaign, now))) {
    if (!out.has(team)) out.set(team, developers);
  }
  return out;
}

/** Everything `computeResults` needs for a campaign, read from the warehouse; null for an unknown campaign. */
export async function loadResultsInput(warehouse: Warehouse, config: PavedConfig, campaignId: string, now = new Date()): Promise<ResultsInput | null> {
  const campaigns = await readCampaigns(warehouse);
  const campaign = campaigns.find((c) => c.id === campaignId);
  if (!campaign) return null;
  const notes: string[] = [];
  const summary = summaryOf(campaign, now);
  const definition = await definitionFor(warehouse, campaign.surveyId, campaign.surveyVersion, notes);
  const responses = (await readSubmittedResponses(warehouse, campaign.id)).map(respondentOf);
  const earlier = campaigns
    .filter((c) => c.surveyId === campaign.surveyId && c.id !== campaign.id && c.opensAt < campaign.opensAt && (c.responses ?? 0) > 0)
    .sort((a, b) => (a.opensAt < b.opensAt ? 1 : -1))[0];
  let previous: ResultsInput['previous'] = null;
  if (earlier) {
    const before = summaryOf(earlier, now);
    previous = {
      campaign: before, definition: await definitionFor(warehouse, earlier.surveyId, earlier.surveyVersion, notes), responses: (await readSubmittedResponses(warehouse, earlier.id)).map(respondentOf),
      minGroupSize: await publicationThreshold(warehouse, config, before, now),
    };
  }
  const minGroupSize = await publicationThreshold(warehouse, config, summary, now);
  const configured = effectiveMinGroupSize(config.surveys.minGroupSize);
  if (minGroupSize !== configured) {
    notes.push(`Published with groups of at least ${minGroupSize}, the threshold in force when its answers were first released; the current setting (${configured}) applies to campaigns released from now on. Publishing one campaign at two thresholds would let the two be subtracted.`);
  }
  return { campaign: summary, definition, responses, minGroupSize, denominators: await denominatorsOf(warehouse, config, summary, now), previous, notes };
}

/**
 * The threshold a campaign is published with. Before release (open or scheduled) only participation
 * is shown, with the current setting. At its first release (the first read once it has closed) the
 * current setting is recorded, and every later read uses the recorded one, whatever
 * `surveys.minGroupSize` says then: two publications of the same answers at two thresholds are each
 * safe alone, but their figures can be subtracted down to one person.
 */
async function publicationThreshold(warehouse: Warehouse, config: PavedConfig, campaign: CampaignSummary, now: Date): Promise<number> {
  const configured = effectiveMinGroupSize(config.surveys.minGroupSize);
  if (campaign.status !== 'closed') return configured;
  const recorded = await readReleaseThreshold(warehouse, campaign.id);
  if (recorded) return effectiveMinGroupSize(recorded.minGroupSize);
  await writeReleaseThreshold(warehouse, campaign.id, configured, now);
  // Read back: another process may have released it first (the earliest row wins).
  return effectiveMinGroupSize((await readReleaseThreshold(warehouse, campaign.id))?.minGroupSize ?? configured);
}

export async function campaignResults(warehouse: Warehouse, config: PavedConfig, campaignId: string, options: { by?: Dimension; now?: Date } = {}): Promise<SurveyResults | null> {
  const input = await loadResultsInput(warehouse, config, campaignId, options.now);
  return input ? computeResults(input, options.by ?? 'team') : null;
}

/**
 * The campaign a results view opens on: the newest closed one with responses (its answers are
 * released), else the newest with responses, else the newest.
 */
export async function defaultCampaignId(warehouse: Warehouse, now = new Date()): Promise<string | null> {
  return defaultCampaignOf(await readCampaigns(warehouse), now)?.id ?? null;
}

export function defaultCampaignOf<C extends Campaign>(campaigns: readonly C[], now: Date): C | undefined {
  const answered = campaigns.filter((c) => (c.responses ?? 0) > 0);
  return answered.find((c) => campaignStatus(c, now) === 'closed') ?? answered[0] ?? campaigns[0];
}

/** The newest campaign whose answers are released (closed, with responses): what the digest, roadmap and ROI read. */
export async function releasedCampaignId(warehouse: Warehouse, now = new Date()): Promise<string | null> {
  const campaigns = await readCampaigns(warehouse);
  return campaigns.find((c) => (c.responses ?? 0) > 0 && campaignStatus(c, now) === 'closed')?.id ?? null;
}

// ---------- CSV export ----------

export const RESULTS_CSV_HEADER = [
  'campaign', 'breakdown', 'group', 'respondents', 'kind', 'id', 'label', 'answered', 'skipped', 'favourable_pct', 'mean_0_100',
  'count_1', 'count_2', 'count_3', 'count_4', 'count_5', 'change_pp', 'enps', 'promoters', 'passives', 'detractors', 'hours_mean', 'hours_median',
] as const;

/** Results as CSV: one row per driver, item, eNPS, hours lost and theme, for the total and each shown group. */
export function resultsCsv(results: SurveyResults): string {
  const rows: Cell[][] = [];
  const pct = (v: number | null) => (v === null ? null : Number((v * 100).toFixed(1)));
  const blank = (n: number): Cell[] => Array.from({ length: n }, () => null);
  for (const group of [...(results.org ? [results.org] : []), ...results.groups]) {
    const head: Cell[] = [results.campaign.id, group === results.org ? 'all' : results.by, group.group, group.respondents];
    for (const d of group.drivers) {
      for (const row of [{ kind: 'driver', s: d, label: d.label }, ...d.items.map((i) => ({ kind: 'item', s: i, label: i.text }))]) {
        rows.push([...head, row.kind, row.s.id, row.label, row.s.answered, row.s.skipped, pct(row.s.favourable), row.s.mean100, ...row.s.counts, row.s.change, ...blank(6)]);
      }
    }
    if (group.enps) {
      const e = group.enps;
      rows.push([...head, 'enps', e.id, e.text, e.answered, e.skipped, ...blank(7), e.change, e.score, e.promoters, e.passives, e.detractors, null, null]);
    }
    if (group.hoursLost) {
      const h = group.hoursLost;
      rows.push([...head, 'hours_lost', h.id, h.text, h.answered, h.skipped, ...blank(12), h.mean, h.median]);
    }
    for (const item of group.freeText) {
      for (const theme of item.themes) rows.push([...head, 'theme', `${item.id}:${theme.id}`, theme.label, theme.answers.length, ...blank(18)]);
    }
  }
  for (const p of results.participation.teams) {
    rows.push([results.campaign.id, 'participation', p.team, p.responses, 'participation', p.source ?? '', `responses of ${p.denominator ?? 'unknown'}`, p.responses, null, p.rate === null ? null : pct(p.rate), ...blank(13)]);
  }
  return toCsv(RESULTS_CSV_HEADER, rows);
}

// ---------- digest ----------

export interface SurveyDigest {
  campaign: CampaignSummary;
  respondents: number | null;
  participationRate: number | null;
  enps: { score: number | null; change: number | null } | null;
  /** Organisation-wide drivers, least favourable first. */
  drivers: { id: string; label: string; favourable: number | null; change: number | null }[];
  /** Shown teams' weakest driver each. */
  teams: { team: string; respondents: number; weakest: { id: string; label: string; favourable: number | null } | null }[];
  hiddenTeams: number;
  lines: string[];
}

/** What the weekly digest says about surveys: the newest campaign with responses, anonymity applied. */
export async function surveyDigest(warehouse: Warehouse, config: PavedConfig, now = new Date()): Promise<SurveyDigest | null> {
  const id = await releasedCampaignId(warehouse, now);
  if (!id) return null;
  const results = await campaignResults(warehouse, config, id, { by: 'team', now });
  return results ? digestOf(results) : null;
}

export function digestOf(results: SurveyResults): SurveyDigest {
  const pct = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v * 100)} %`);
  const signed = (v: number | null, unit: string) => (v === null ? '' : ` (${v > 0 ? '+' : ''}${v}${unit} vs ${results.previous?.title ?? 'previous'})`);
  const drivers = (results.org?.drivers ?? [])
    .map((d) => ({ id: d.id, label: d.label, favourable: d.favourable, change: d.change }))
    .sort((a, b) => (a.favourable ?? 2) - (b.favourable ?? 2));
  const teams = results.groups.map((g) => {
    const weakest = [...g.drivers].filter((d) => d.favourable !== null).sort((a, b) => a.favourable! - b.favourable!)[0];
    return { team: g.group, respondents: g.respondents, weakest: weakest ? { id: weakest.id, label: weakest.label, favourable: weakest.favourable } : null };
  });
  const lines: string[] = [`Survey ${results.campaign.title} (${results.campaign.status}).`];
  if (!results.released) lines.push(`Answers are released when the campaign closes (${results.campaign.closesAt.slice(0, 10)}).`);
  else if (results.respondents === null) lines.push(`Fewer than ${results.minGroupSize} responses: nothing can be shown without revealing individual answers.`);
  else {
    lines.push(`${results.respondents} responses${results.participation.rate === null ? '' : `, ${pct(results.participation.rate)} participation`}.`);
    if (results.org?.enps?.score !== undefined && results.org.enps.score !== null) lines.push(`Platform eNPS ${results.org.enps.score}${signed(results.org.enps.change, '')}.`);
    for (const d of drivers.slice(0, 3)) lines.push(`Least favourable: ${d.label} ${pct(d.favourable)}${signed(d.change, ' pp')}.`);
  }
  if (results.hiddenGroups.length) lines.push(`${results.hiddenGroups.length} team(s) hidden to protect anonymity (fewer than ${results.minGroupSize} respondents, or withheld so that such a group cannot be worked out).`);
  return {
    campaign: results.campaign,
    respondents: results.respondents,
    participationRate: results.participation.rate,
    enps: results.org?.enps ? { score: results.org.enps.score, change: results.org.enps.change } : null,
    drivers,
    teams,
    hiddenTeams: results.hiddenGroups.length,
    lines,
  };
}
