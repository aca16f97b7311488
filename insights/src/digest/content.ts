import { z } from 'zod';
import type { PavedConfig } from '@paved/schemas';
import type { DigestSurveySummary } from '@paved/surveys';
import { adoptionChangeCounts, dataHealth, deploymentNames, doraMetrics, type DoraResult, explain, type NamedDeployment, ranking, type RankingRow, scopeOptions } from '@paved/transform';
import type { Warehouse } from '@paved/warehouse';
import { addDays, type IsoWeek } from './week.js';

/**
 * What a weekly digest says, as data: built from the warehouse by `buildDigest`, turned into Slack,
 * email, text and archive forms by the pure `renderDigest`, and stored as JSON in `digests.content`
 * (so this schema also validates what the archive page reads back).
 */

export const KEYS = ['deploymentFrequency', 'leadTime', 'changeFailureRate', 'recovery', 'reworkRate'] as const;
export const KeyName = z.enum(KEYS);
export type KeyName = z.infer<typeof KeyName>;

export const KEY_LABELS: Record<KeyName, string> = {
  deploymentFrequency: 'Deployment frequency',
  leadTime: 'Lead time for changes',
  changeFailureRate: 'Change failure rate',
  recovery: 'Failed deployment recovery',
  reworkRate: 'Rework rate',
};

/** How each key's number reads: per week, hours, or a share (0..1); and which way is better. */
export const KEY_UNITS: Record<KeyName, { unit: 'perWeek' | 'hours' | 'rate'; better: 'up' | 'down' }> = {
  deploymentFrequency: { unit: 'perWeek', better: 'up' },
  leadTime: { unit: 'hours', better: 'down' },
  changeFailureRate: { unit: 'rate', better: 'down' },
  recovery: { unit: 'hours', better: 'down' },
  reworkRate: { unit: 'rate', better: 'down' },
};

const Level = z.enum(['elite', 'high', 'medium', 'low']);

export const KeyFigure = z.object({
  key: KeyName,
  value: z.number().nullable(),
  previousWeek: z.number().nullable(),
  /** The same key over the four weeks before this week (per week for frequency). */
  fourWeeks: z.number().nullable(),
  level: Level.nullable(),
  /** What the number stands on, e.g. "12 deployments". */
  sample: z.string(),
});
export type KeyFigure = z.infer<typeof KeyFigure>;

export const Mover = z.object({
  name: z.string(),
  team: z.string(),
  key: KeyName,
  value: z.number().nullable(),
  previous: z.number().nullable(),
  /** |log2 ratio| for frequencies and durations, 4 × |difference| for rates: 1 means "doubled" or "25 points". */
  score: z.number(),
  deployments: z.number(),
  previousDeployments: z.number(),
});
export type Mover = z.infer<typeof Mover>;

const Incident = z.object({ id: z.string(), title: z.string(), severity: z.string(), status: z.string(), url: z.string().nullable(), openedAt: z.string() });

export const FailedDeployment = z.object({
  id: z.string(),
  service: z.string(),
  team: z.string(),
  repo: z.string(),
  sha: z.string().nullable(),
  deployedAt: z.string(),
  url: z.string().nullable(),
  recoveryHours: z.number().nullable(),
  /** Pull requests whose commits this deployment shipped (for its label; absent in digests stored before). */
  prs: z.array(z.number()).optional(),
  links: z.array(z.object({
    method: z.string(), evidence: z.string(), otherDeploymentId: z.string().nullable(),
    /** How the other deployment (a rollback's or a revert's) reads to people, e.g. "acme/billing PR #12". */
    otherDeploymentLabel: z.string().nullable().optional(),
    incident: Incident.nullable(),
  })),
});
export type FailedDeployment = z.infer<typeof FailedDeployment>;

export const AdoptionChange = z.object({
  deployments: z.number(),
  previousDeployments: z.number(),
  goldenShare: z.number().nullable(),
  previousGoldenShare: z.number().nullable(),
  platformShare: z.number().nullable(),
  previousPlatformShare: z.number().nullable(),
});

/**
 * The survey section. It comes from the surveys package, which applies the anonymity rule
 * (`surveys.minGroupSize`) before anything reaches a digest: `lines` are shown as they are.
 */
export const DigestSurvey = z.object({
  title: z.string(),
  respondents: z.number().nullable(),
  participationRate: z.number().nullable(),
  lines: z.array(z.string()),
});
export type DigestSurvey = z.infer<typeof DigestSurvey>;

export const DigestHealthSummary = z.object({
  sources: z.array(z.object({ source: z.string(), lastReceived: z.string(), stale: z.boolean() })),
  deadLetters: z.number(),
  deadLetterReasons: z.array(z.object({ step: z.string(), reason: z.string(), count: z.number() })),
  changeSetCoverage: z.number().nullable(),
  unmappedRepos: z.number(),
  unmappedIncidents: z.number(),
  lastTransform: z.object({ status: z.string(), at: z.string() }).nullable(),
  /** One line per thing that needs a person, in the order they matter. */
  problems: z.array(z.string()),
});
export type DigestHealthSummary = z.infer<typeof DigestHealthSummary>;

export const DigestContent = z.object({
  version: z.literal(1),
  week: z.object({ id: z.string(), from: z.string(), to: z.string() }),
  /** null: the organisation. */
  team: z.string().nullable(),
  generatedAt: z.string(),
  profile: z.enum(['2023', '2024']),
  /** Public URL of Paved for links (from `surveys.publicUrl`), or null. */
  publicUrl: z.string().nullable(),
  keys: z.array(KeyFigure),
  movers: z.object({ by: z.enum(['team', 'service']), rows: z.array(Mover) }),
  failures: z.object({ total: z.number(), shown: z.array(FailedDeployment) }),
  adoption: AdoptionChange,
  survey: DigestSurvey.nullable(),
  health: DigestHealthSummary,
});
export type DigestContent = z.infer<typeof DigestContent>;

/**
 * The survey hook: `surveySummaryForDigest` from @paved/surveys in every process that sends digests
 * (tests pass their own). It answers null when there is nothing to say, and applies the anonymity
 * rule itself.
 */
export type SurveySummaryHook = (warehouse: Warehouse, config: PavedConfig, scope: { team?: string }, asOf?: Date) => Promise<DigestSurveySummary | null>;

/** The hook used when no surveys function is wired in: the digest says "no survey results". */
export const noSurveySummary: SurveySummaryHook = async () => null;

/** The digest's part of what the surveys package returns. */
export function surveySectionOf(value: DigestSurveySummary | null): DigestSurvey | null {
  if (value === null) return null;
  return { title: value.title, respondents: value.respondents, participationRate: value.participationRate, lines: value.lines };
}

export interface BuildOptions {
  week: IsoWeek;
  /** Unset: the organisation digest. */
  team?: string;
  surveySummary?: SurveySummaryHook;
  /** Digest deliveries that need a person (from `digestHealth`), for the organisation digest. */
  deliveryProblems?: string[];
  now?: Date;
}

const STALE_HOURS = 24;
const MOVERS = 5;
const FAILURES_SHOWN = 10;

/** Builds one digest: the organisation's (no team) or one team's, for an ISO week. Reads only. */
export async function buildDigest(warehouse: Warehouse, config: PavedConfig, options: BuildOptions): Promise<DigestContent> {
  const { week, team } = options;
  const now = options.now ?? new Date();
  const profile = config.metrics.benchmarkProfile;
  const previous = { from: addDays(week.from, -7), to: week.from };
  const fourWeeks = { from: addDays(week.from, -28), to: week.from };
  const scope = team ? { team } : {};
  const by = team ? 'service' as const : 'team' as const;
  const [current, last, before, rankNow, rankBefore, failed, adoption, health, survey] = await Promise.all([
    doraMetrics(warehouse, { from: week.from, to: week.to, ...scope }, profile),
    doraMetrics(warehouse, { ...previous, ...scope }, profile),
    doraMetrics(warehouse, { ...fourWeeks, ...scope }, profile),
    ranking(warehouse, { from: week.from, to: week.to, ...scope }, by),
    ranking(warehouse, { ...previous, ...scope }, by),
    explain(warehouse, { from: week.from, to: week.to, ...scope }, 'changeFailureRate', { limit: FAILURES_SHOWN }),
    adoptionChange(warehouse, week, previous, team),
    dataHealth(warehouse),
    // A digest speaks of the survey released by the end of its week (or now, for the running week),
    // never of a campaign that closed after that week.
    (options.surveySummary ?? noSurveySummary)(warehouse, config, scope, new Date(Math.min(now.getTime(), Date.parse(`${week.to}T00:00:00Z`)))),
  ]);
  const named = await deploymentNamesById(warehouse, [...failed.deployments.map((d) => d.id), ...failed.failureLinks.flatMap((l) => (l.other_deployment_id ? [l.other_deployment_id] : []))]);
  return {
    version: 1,
    week: { id: week.id, from: week.from, to: week.to },
    team: team ?? null,
    generatedAt: now.toISOString(),
    profile,
    publicUrl: config.surveys.publicUrl ?? null,
    keys: keyFigures(current, last, before),
    movers: { by, rows: biggestMovers(rankNow, rankBefore) },
    failures: { total: current.changeFailureRate.failedDeployments, shown: failuresOf(failed, named) },
    adoption,
    survey: surveySectionOf(survey),
    health: healthSummary(health, now, team ? [] : options.deliveryProblems ?? []),
  };
}

function keyValue(r: DoraResult, key: KeyName): number | null {
  switch (key) {
    case 'deploymentFrequency': return r.deploymentFrequency.deployments === 0 ? 0 : r.deploymentFrequency.perWeek;
    case 'leadTime': return r.leadTime.p50Hours;
    case 'changeFailureRate': return r.changeFailureRate.rate;
    case 'recovery': return r.recovery.failedDeploymentRecoveryP50Hours;
    case 'reworkRate': return r.reworkRate.rate;
  }
}

function keyFigures(current: DoraResult, previous: DoraResult, fourWeeks: DoraResult): KeyFigure[] {
  const samples: Record<KeyName, string> = {
    deploymentFrequency: `${current.deploymentFrequency.deployments} deployments`,
    leadTime: `${current.leadTime.changes} changes`,
    changeFailureRate: `${current.changeFailureRate.failedDeployments} of ${current.changeFailureRate.deployments} deployments`,
    recovery: `${current.recovery.recoveredDeployments} recovered failures`,
    reworkRate: `${current.reworkRate.reworkDeployments} of ${current.reworkRate.deployments} deployments`,
  };
  const levels: Record<KeyName, DoraResult['leadTime']['level']> = {
    deploymentFrequency: current.deploymentFrequency.level,
    leadTime: current.leadTime.level,
    changeFailureRate: current.changeFailureRate.level,
    recovery: current.recovery.level,
    reworkRate: null,
  };
  return KEYS.map((key) => ({
    key,
    value: keyValue(current, key),
    previousWeek: keyValue(previous, key),
    fourWeeks: keyValue(fourWeeks, key),
    level: levels[key],
    sample: samples[key],
  }));
}

/** Rates need a few deployments on both sides before a change means anything. */
const MIN_DEPLOYMENTS_FOR_RATES = 3;
const MIN_SCORE = 0.5;

function rankValue(row: RankingRow, key: KeyName): number | null {
  switch (key) {
    case 'deploymentFrequency': return row.per_week;
    case 'leadTime': return row.lead_p50;
    case 'changeFailureRate': return row.change_failure_rate;
    case 'recovery': return row.recovery_p50;
    case 'reworkRate': return row.rework_rate;
  }
}

/** How far a key moved, on one scale for every key (see `Mover.score`); null when it cannot be judged. */
export function moveScore(key: KeyName, now: number | null, before: number | null, deployments: number, previousDeployments: number): number | null {
  if (key === 'deploymentFrequency') return Math.abs(Math.log2((deployments + 1) / (previousDeployments + 1)));
  if (now === null || before === null) return null;
  if (KEY_UNITS[key].unit === 'rate') {
    if (deployments < MIN_DEPLOYMENTS_FOR_RATES || previousDeployments < MIN_DEPLOYMENTS_FOR_RATES) return null;
    return 4 * Math.abs(now - before);
  }
  if (now <= 0 || before <= 0) return null;
  return Math.abs(Math.log2(now / before));
}

/** Teams (organisation digest) or services (team digest) whose keys changed most since the previous week. */
export function biggestMovers(now: RankingRow[], before: RankingRow[]): Mover[] {
  const previous = new Map(before.map((row) => [row.key, row]));
  const names = new Set([...now.map((r) => r.key), ...before.map((r) => r.key)]);
  const movers: Mover[] = [];
  for (const name of names) {
    const cur = now.find((r) => r.key === name);
    const prev = previous.get(name);
    const deployments = cur?.deployments ?? 0;
    const previousDeployments = prev?.deployments ?? 0;
    let best: Mover | null = null;
    for (const key of KEYS) {
      const value = cur ? rankValue(cur, key) : key === 'deploymentFrequency' ? 0 : null;
      const was = prev ? rankValue(prev, key) : key === 'deploymentFrequency' ? 0 : null;
      const score = moveScore(key, value, was, deployments, previousDeployments);
      if (score === null || score < MIN_SCORE) continue;
      if (!best || score > best.score) best = { name, team: cur?.team ?? prev?.team ?? '', key, value, previous: was, score: Number(score.toFixed(3)), deployments, previousDeployments };
    }
    if (best) movers.push(best);
  }
  return movers.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name)).slice(0, MOVERS);
}

/** Repository, sha and pull requests of deployments, so a digest can name them as people do instead of by id. */
async function deploymentNamesById(warehouse: Warehouse, ids: string[]): Promise<Map<string, NamedDeployment>> {
  return new Map((await deploymentNames(warehouse, ids)).map((r) => [r.id, r]));
}

/** "acme/billing PR #123", "acme/billing PRs #12, #13 and 2 more", else "acme/billing at a1b2c3d": a deployment as people know it. */
export function deploymentLabel(d: { repo: string; sha: string | null; prs?: readonly number[] }): string {
  const prs = d.prs ?? [];
  if (prs.length === 1) return `${d.repo} PR #${prs[0]}`;
  if (prs.length > 1) return `${d.repo} PRs ${prs.slice(0, 2).map((n) => `#${n}`).join(', ')}${prs.length > 2 ? ` and ${prs.length - 2} more` : ''}`;
  return d.sha ? `${d.repo} at ${d.sha.slice(0, 7)}` : d.repo;
}

function failuresOf(explanation: Awaited<ReturnType<typeof explain>>, named: Map<string, NamedDeployment>): FailedDeployment[] {
  const incidents = new Map(explanation.incidents.map((i) => [i.id, i]));
  return explanation.deployments.map((d) => ({
    id: d.id,
    service: d.service,
    team: d.team,
    repo: d.repo,
    sha: d.sha,
    deployedAt: d.deployed_at,
    url: d.url,
    recoveryHours: d.recovery_hours,
    prs: named.get(d.id)?.prs ?? [],
    links: explanation.failureLinks.filter((l) => l.deployment_id === d.id).map((l) => {
      const incident = l.incident_id ? incidents.get(l.incident_id) : undefined;
      const other = l.other_deployment_id ? named.get(l.other_deployment_id) : undefined;
      return {
        method: l.method,
        evidence: l.evidence,
        otherDeploymentId: l.other_deployment_id,
        otherDeploymentLabel: other ? deploymentLabel(other) : null,
        incident: incident ? { id: incident.id, title: incident.title, severity: incident.severity, status: incident.status, url: incident.url, openedAt: incident.opened_at } : null,
      };
    }),
  }));
}

/**
 * Golden-path and platform-pipeline shares of production deployments, this week and the week
 * before: the same flags (`golden_path`, `via_platform`) as adoptionMetrics' headline, in one query.
 */
async function adoptionChange(warehouse: Warehouse, week: IsoWeek, previous: { from: string; to: string }, team: string | undefined): Promise<z.infer<typeof AdoptionChange>> {
  const r = await adoptionChangeCounts(warehouse, { previous: previous.from, from: week.from, to: week.to, team });
  const share = (part: number, whole: number) => (whole ? Math.round((part / whole) * 10_000) / 10_000 : null);
  return {
    deployments: r.deployments,
    previousDeployments: r.previous_deployments,
    goldenShare: share(r.golden, r.deployments),
    previousGoldenShare: share(r.previous_golden, r.previous_deployments),
    platformShare: share(r.platform, r.deployments),
    previousPlatformShare: share(r.previous_platform, r.previous_deployments),
  };
}

/** ClickHouse answers "2026-11-25 23:43:52.711" (UTC, no zone) or ISO. */
export function parseUtc(value: string): number {
  const iso = value.includes('T') ? value : `${value.replace(' ', 'T')}Z`;
  return Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
}

/** A ClickHouse time as ISO 8601 (UTC), for messages. */
export function isoOf(value: string): string {
  const t = parseUtc(value);
  return Number.isNaN(t) ? value : new Date(t).toISOString();
}

function healthSummary(report: Awaited<ReturnType<typeof dataHealth>>, now: Date, deliveryProblems: string[]): DigestHealthSummary {
  const sources = report.sources.map((s) => ({ source: s.source, lastReceived: s.last_received, stale: now.getTime() - parseUtc(s.last_received) > STALE_HOURS * 3_600_000 }));
  // The newest finished run: one in progress says nothing about the numbers yet.
  const transform = report.runs.find((r) => r.job === 'transform' && r.status !== 'running') ?? report.runs.find((r) => r.job === 'transform');
  const cov = report.coverage;
  const changeSetCoverage = cov.deployments ? cov.with_change_set / cov.deployments : null;
  const problems: string[] = [];
  if (report.sources.length === 0) problems.push('No events have arrived from any source yet.');
  for (const s of sources) if (s.stale) problems.push(`No events from ${s.source} for more than ${STALE_HOURS} hours (last ${isoOf(s.lastReceived)}).`);
  if (transform && transform.status === 'failed') problems.push(`The last transform failed: ${transform.detail.slice(0, 200)}`);
  if (report.deadLetterTotal > 0) problems.push(`${report.deadLetterTotal} event(s) dead-lettered and not replayed (paved dlq replay).`);
  if (changeSetCoverage !== null && changeSetCoverage < 0.8) problems.push(`Only ${Math.round(changeSetCoverage * 100)} % of deployments have a known change set, so lead time covers the rest only.`);
  if (cov.unmapped_incidents > 0) problems.push(`${cov.unmapped_incidents} incident(s) have no service and cannot fail a deployment.`);
  problems.push(...deliveryProblems);
  return {
    sources,
    deadLetters: report.deadLetterTotal,
    deadLetterReasons: report.deadLetters.slice(0, 3).map((d) => ({ step: d.step, reason: d.reason, count: d.count })),
    changeSetCoverage,
    unmappedRepos: cov.unmapped_repos.length,
    unmappedIncidents: cov.unmapped_incidents,
    lastTransform: transform ? { status: transform.status, at: transform.finished_at ?? transform.started_at } : null,
    problems,
  };
}

/** Teams that get a digest: configured teams, teams with recipients and teams seen in deployments. */
export async function digestTeams(warehouse: Warehouse, config: PavedConfig): Promise<string[]> {
  const seen = (await scopeOptions(warehouse)).teams;
  const all = new Set([...config.catalog.teams.map((t) => t.name), ...Object.keys(config.digest.teamRecipients), ...seen]);
  all.delete('');
  return [...all].sort();
}
