/**
 * An attacker with everything Paved publishes about a campaign, and an oracle that knows the true
 * responses. The attacker's tools: exact linear algebra over published counts (a rank test, then
 * solving), differencing two reads, and set subtraction on free text. Written independently of the
 * disclosure layer: it uses only the published outputs and `solve` (rational RREF), never the audit.
 */
import { seededRandom } from '@paved/schemas';
import { DIMENSIONS, groupOf, type Dimension } from '../src/disclosure.js';
import { Fraction, solve, type Vector } from '../src/linear.js';
import { digestOf, resultsCsv, type Respondent, type SurveyResults } from '../src/results.js';
import type { GroupScore } from '../src/score.js';
import { SMALL } from './harness.js';

export const TENURES = ['<1y', '1-3y', '3-5y', '5y+', null] as const;
export const ROLES = ['engineer', 'senior', 'staff+', 'manager', 'other', null] as const;

/** What a cell publishes, as one vector of counts: respondents, then per item the counts of 1..5, then eNPS 0..10. */
export function statsOf(group: GroupScore): number[] {
  const items = group.drivers.flatMap((d) => d.items.map((i) => i.counts as number[])).flat();
  return [group.respondents, ...items, ...(group.enps?.counts ?? Array.from({ length: 11 }, () => 0))];
}

/** The same vector computed from raw responses: only the oracle can do this. */
export function trueStats(responses: readonly Respondent[]): number[] {
  const likert = SMALL.drivers.flatMap((d) => d.items).map((item) => {
    const counts = [0, 0, 0, 0, 0];
    for (const r of responses) {
      const v = r.answers[item.id];
      if (typeof v === 'number') counts[(item.reversed ? 6 - v : v) - 1]! += 1;
    }
    return counts;
  });
  const enps = Array.from({ length: 11 }, () => 0);
  for (const r of responses) {
    const v = r.answers.enps;
    if (typeof v === 'number') enps[v]! += 1;
  }
  return [responses.length, ...likert.flat(), ...enps];
}

export interface PublishedCell {
  dimension: Dimension | 'org';
  group: string;
  stats: number[];
}

/**
 * Every cell the outputs publish figures for: the JSON of each breakdown, its CSV export, the
 * digest and participation (they must agree with the JSON, which the caller checks).
 */
export function publishedCells(views: readonly SurveyResults[]): PublishedCell[] {
  const cells = new Map<string, PublishedCell>();
  for (const view of views) {
    if (view.org) cells.set('org', { dimension: 'org', group: 'all', stats: statsOf(view.org) });
    for (const g of view.groups) cells.set(`${view.by}:${g.group}`, { dimension: view.by, group: g.group, stats: statsOf(g) });
  }
  return [...cells.values()];
}

/** Groups (dimension, name) that each output names with figures; used to check every output against the JSON. */
export function groupsNamedWithFigures(view: SurveyResults): { json: string[]; csv: string[]; digest: string[]; participation: string[] } {
  const csvRows = resultsCsv(view).trim().split('\r\n').slice(1).map((l) => l.split(','));
  return {
    json: view.groups.map((g) => g.group).sort(),
    csv: [...new Set(csvRows.filter((r) => r[1] === view.by).map((r) => r[2]!))].sort(),
    digest: view.by === 'team' ? digestOf(view).teams.map((t) => t.team).sort() : [],
    participation: view.participation.teams.filter((t) => t.responses !== null && t.responses > 0).map((t) => t.team).sort(),
  };
}

export interface Target {
  label: string;
  members: number[];
}

/** Every group and every two-attribute cross cell with 1 … k−1 respondents. */
export function smallTargets(responses: readonly Respondent[], k: number): Target[] {
  const out = new Map<string, Target>();
  const add = (label: string, members: number[]) => {
    if (members.length >= 1 && members.length < k) out.set(label, { label, members });
  };
  for (const d of DIMENSIONS) {
    for (const g of new Set(responses.map((r) => groupOf(r, d)))) add(`${d}=${g}`, responses.flatMap((r, i) => (groupOf(r, d) === g ? [i] : [])));
  }
  for (const [a, b] of [['team', 'tenure'], ['team', 'role'], ['tenure', 'role']] as const) {
    const keys = new Set(responses.map((r) => `${groupOf(r, a)}\u0000${groupOf(r, b)}`));
    for (const key of keys) {
      const [ga, gb] = key.split('\u0000');
      add(`${a}=${ga} & ${b}=${gb}`, responses.flatMap((r, i) => (groupOf(r, a) === ga && groupOf(r, b) === gb ? [i] : [])));
    }
  }
  return [...out.values()];
}

function indicator(responses: readonly Respondent[], cell: { dimension: Dimension | 'org'; group: string }): Vector {
  return responses.map((r) => (cell.dimension === 'org' || groupOf(r, cell.dimension) === cell.group ? 1n : 0n));
}

/**
 * The linear attack: for each target, is its indicator a combination of published cells? If so,
 * solve for the coefficients and rebuild the target's counts from published figures alone.
 * Returns the targets rebuilt exactly (the oracle checks against the truth).
 */
export function linearAttack(responses: readonly Respondent[], cells: readonly PublishedCell[], k: number): { target: Target; rebuilt: number[] }[] {
  if (cells.length === 0) return [];
  const vectors = cells.map((c) => indicator(responses, c));
  const found: { target: Target; rebuilt: number[] }[] = [];
  for (const target of smallTargets(responses, k)) {
    const t: Vector = responses.map((_, i) => (target.members.includes(i) ? 1n : 0n));
    const c = solve(vectors, t);
    if (!c) continue;
    const width = cells[0]!.stats.length;
    const rebuilt = Array.from({ length: width }, (_, j) => cells.reduce((s, cell, i) => s.add(c[i]!.mul(Fraction.of(cell.stats[j]!))), Fraction.of(0)).toNumber());
    const truth = trueStats(target.members.map((i) => responses[i]!));
    if (rebuilt.every((v, j) => v === truth[j])) found.push({ target, rebuilt });
  }
  return found;
}

/**
 * Differencing: two reads around one more response. A leak is a published cell whose figures
 * changed by exactly the newcomer's answers (in any output the two reads share).
 */
export function differencingAttack(before: readonly SurveyResults[], after: readonly SurveyResults[], newcomer: Respondent): string[] {
  const was = new Map(publishedCells(before).map((c) => [`${c.dimension}:${c.group}`, c.stats]));
  const person = trueStats([newcomer]);
  const leaks: string[] = [];
  for (const cell of publishedCells(after)) {
    const old = was.get(`${cell.dimension}:${cell.group}`);
    if (!old && cell.stats.every((v, j) => v === person[j])) leaks.push(`${cell.dimension}:${cell.group} (new cell)`);
    if (old && cell.stats.every((v, j) => v - old[j]! === person[j])) leaks.push(`${cell.dimension}:${cell.group}`);
  }
  return leaks;
}

const commentsOf = (group: GroupScore | null | undefined) => (group?.freeText ?? []).flatMap((f) => f.themes.flatMap((t) => t.answers));

/**
 * Free text by subtraction: the organisation's comments minus those shown under the groups of a
 * breakdown are the hidden groups' comments; with one hidden group below k that is its comments.
 * Also any comment shown under a named group of fewer than k people is a leak by itself.
 */
export function freeTextAttack(responses: readonly Respondent[], views: readonly SurveyResults[], k: number): string[] {
  const leaks: string[] = [];
  for (const view of views) {
    const members = (g: string) => responses.filter((r) => groupOf(r, view.by) === g);
    for (const g of view.groups) if (members(g.group).length < k && commentsOf(g).length) leaks.push(`${view.by}=${g.group} quoted below k`);
    if (!view.org || view.hiddenGroups.length !== 1) continue;
    const hidden = view.hiddenGroups[0]!;
    const shown = new Set(view.groups.flatMap(commentsOf));
    const left = commentsOf(view.org).filter((c) => !shown.has(c)).sort();
    const truth = members(hidden).flatMap((r) => Object.values(r.free_text)).filter(Boolean).sort();
    if (members(hidden).length < k && left.length > 0 && JSON.stringify(left) === JSON.stringify(truth)) leaks.push(`${view.by}=${hidden} comments by subtraction`);
  }
  return leaks;
}

/** A seeded generator of whole numbers in [0, n) (mulberry32, as seededRandom). */
export function seeded(seed: number): (n: number) => number {
  const next = seededRandom(seed);
  return (n: number) => (next() * n) | 0;
}

/** A random campaign: 1–6 teams of 1–12 people, skewed tenure/role mixes, unique comments. */
export function randomCampaign(random: (n: number) => number, id: number): { responses: Respondent[]; k: number } {
  const k = 3 + random(5);
  const teams = 1 + random(6);
  const tenureBias = random(TENURES.length);
  const roleBias = random(ROLES.length);
  const responses: Respondent[] = [];
  for (let t = 0; t < teams; t += 1) {
    const size = 1 + random(12);
    for (let i = 0; i < size; i += 1) responses.push(randomRespondent(random, `team${t}`, tenureBias, roleBias, `${id}-${responses.length}`));
  }
  return { responses, k };
}

export function randomRespondent(random: (n: number) => number, team: string, tenureBias: number, roleBias: number, tag: string): Respondent {
  const pick = <T>(list: readonly T[], bias: number) => (random(2) ? list[bias]! : list[random(list.length)]!);
  const answers: Record<string, number | null> = {
    speed_1: random(6) === 0 ? null : 1 + random(5),
    speed_2: 1 + random(5),
    docs_1: 1 + random(5),
    enps: random(11),
    hours_lost: random(20),
  };
  return { team, tenure: pick(TENURES, tenureBias), role: pick(ROLES, roleBias), answers, free_text: random(2) ? { comment: `comment ${tag} about builds` } : {} };
}
