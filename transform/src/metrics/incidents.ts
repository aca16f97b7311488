import { z } from 'zod';
import { calendarDateProblem, isoDay } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';
import { dayStart, scopeWhere } from './dora.js';
import { sqlFiles } from './sql-files.js';

/** queries/incidents/*.sql. */
const SQL = sqlFiles('queries/incidents', ['listed', 'totals', 'window_failures', 'links', 'candidates', 'filter_options']);

/*
 * Incidents from their side (docs/dashboard.md, "Incidents"): the incidents *opened* in a window
 * (by incident date, not by the date of the deployment they are linked to), each with the
 * production deployments its failure links point at (t_failure_links: method and evidence), the
 * ones linked to nothing with the reason, and how many failures rest on timing inference alone.
 */

export const IncidentsQuery = z.object({
  from: isoDay('from'),
  to: isoDay('to'),
  team: z.string().min(1).optional(),
  service: z.string().min(1).optional(),
  severity: z.string().min(1).optional(),
  source: z.string().min(1).optional(),
}).refine((q) => calendarDateProblem(q.from) !== null || calendarDateProblem(q.to) !== null || q.from < q.to, { message: 'from must be before to (the window is [from, to))', path: ['to'] });
export type IncidentsQuery = z.infer<typeof IncidentsQuery>;

const num = z.coerce.number();
const nullableNum = z.union([z.null(), z.coerce.number()]);

const IncidentRow = z.object({
  id: z.string(), source: z.string(), service: z.string(), team: z.string(), severity: z.string(), title: z.string(), status: z.string(),
  opened_at: z.string(), resolved_at: z.string().nullable(), url: z.string().nullable(), restore_hours: nullableNum,
  linked_deployment_ids: z.array(z.string()), linked_shas: z.array(z.string()), rejected: z.coerce.boolean(),
});
const LinkRow = z.object({
  incident_id: z.string(), deployment_id: z.string(), method: z.string(), evidence: z.string(),
  service: z.string(), team: z.string(), repo: z.string(), sha: z.string().nullable(), deployed_at: z.string(), failure_methods: z.array(z.string()),
});
const CandidateRow = z.object({ incident_id: z.string(), deployment_id: z.string(), service: z.string(), sha: z.string().nullable(), deployed_at: z.string(), hours_before: num });
const TotalsRow = z.object({ incidents: num, linked: num });
const WindowFailuresRow = z.object({ failed_n: num, inference_only: num });
const OptionsRow = z.object({ teams: z.array(z.string()), services: z.array(z.string()), severities: z.array(z.string()), sources: z.array(z.string()) });

/** One piece of evidence tying an incident to a production deployment. */
export interface IncidentLink {
  deploymentId: string;
  method: string;
  evidence: string;
  service: string;
  team: string;
  repo: string;
  sha: string | null;
  deployedAt: string;
  /** Every failure-link method of that deployment (from any incident, rollback or revert). */
  deploymentFailureMethods: string[];
  /** The deployment counts as failed only because an incident opened soon after it (no other evidence). */
  inferenceOnly: boolean;
}

/** A production deployment a person might link an unlinked incident to: its service's, in the 7 days before it opened. */
export interface LinkCandidate {
  deploymentId: string;
  service: string;
  sha: string | null;
  deployedAt: string;
  hoursBefore: number;
}

export type UnlinkedReason = 'unmapped' | 'unresolved_reference' | 'rejected' | 'inference_off' | 'outside_window' | 'no_deployment' | 'not_recomputed';

export interface IncidentWithLinks {
  id: string;
  source: string;
  service: string;
  team: string;
  severity: string;
  title: string;
  status: string;
  openedAt: string;
  resolvedAt: string | null;
  url: string | null;
  restoreHours: number | null;
  /** Deployment ids, URLs or shas the incident itself names (what its sender wrote). */
  references: string[];
  links: IncidentLink[];
  /** Linked, and every link is timing inference. */
  inferenceOnly: boolean;
  /** Why nothing links it (null when linked). */
  unlinkedReason: UnlinkedReason | null;
  /** The reason in words, naming the facts behind it. */
  unlinkedExplanation: string | null;
  /** For unlinked incidents of a known service: its production deployments in the 7 days before it opened, newest first. */
  candidates: LinkCandidate[];
}

export interface IncidentsResult {
  from: string;
  to: string;
  scope: { team: string | null; service: string | null; severity: string | null; source: string | null };
  summary: {
    /** Incidents opened in the window (all of them, also beyond `limit`). */
    incidents: number;
    linked: number;
    unlinked: number;
    /** Of the listed incidents: linked only through timing inference. */
    inferenceOnlyIncidents: number;
    /** Distinct failed deployments the listed incidents are linked to, and those of them resting on inference alone. */
    linkedDeployments: number;
    inferenceOnlyDeployments: number;
    /** Failed production deployments *deployed* in the window (change failure rate's rows), and those resting on inference alone. */
    windowFailedDeployments: number;
    windowInferenceOnly: number;
  };
  /** Newest first; linked ones (`links` not empty). */
  linked: IncidentWithLinks[];
  /** Newest first; linked to nothing. */
  unlinked: IncidentWithLinks[];
  /** True when more incidents were opened than `limit` lets through. */
  truncated: boolean;
  inferenceWindowHours: number;
}

export interface IncidentsOptions {
  /** At most this many incidents are listed (the summary counts all). */
  limit?: number;
  /** `metrics.inferenceWindowHours` and `metrics.inferIncidentLinks`, for the reasons given. */
  inferenceWindowHours?: number;
  inferIncidentLinks?: boolean;
}

/**
 * The page's filter as plain predicates (they let the sort key skip) for the parts of `query` that are
 * set, or `1`: the `filter` slot of queries/incidents/*.sql (which hold the opened_at window themselves).
 */
function incidentFilter(query: IncidentsQuery): string {
  const parts: string[] = [];
  if (query.team) parts.push('team = {team:String}');
  if (query.service) parts.push('service = {service:String}');
  if (query.severity) parts.push('severity = {severity:String}');
  if (query.source) parts.push('source = {source:String}');
  return parts.length ? parts.join(' AND ') : '1';
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));
/** Hours under 48 h, days above (the dashboard's unit rule). */
const duration = (h: number) => (h < 48 ? `${round(h)} h` : `${round(h / 24)} d`);

function explainUnlinked(incident: z.infer<typeof IncidentRow>, candidates: LinkCandidate[], windowHours: number, infer: boolean): { reason: UnlinkedReason; text: string } {
  const references = [...incident.linked_deployment_ids, ...incident.linked_shas];
  if (incident.rejected) return { reason: 'rejected', text: 'A person rejected its link to a deployment (override).' };
  if (incident.service === 'unknown') {
    return { reason: 'unmapped', text: references.length ? `Names ${references.join(', ')}, which matches no production deployment, and is mapped to no service, so timing cannot be used either.` : 'Mapped to no service, so no deployment can be inferred from timing; map its service or repository (Data health).' };
  }
  if (references.length) return { reason: 'unresolved_reference', text: `Names ${references.join(', ')}, which matches no production deployment (Data health lists unresolved references).` };
  if (!infer) return { reason: 'inference_off', text: 'Names no deployment or commit, and inference from timing is switched off (metrics.inferIncidentLinks).' };
  const last = candidates[0];
  if (!last) return { reason: 'no_deployment', text: `Names no deployment or commit, and ${incident.service} had no production deployment in the 7 days before it opened.` };
  if (last.hoursBefore < windowHours) return { reason: 'not_recomputed', text: `Names no deployment or commit; ${incident.service} deployed ${duration(last.hoursBefore)} before it opened, inside the ${windowHours} h window: the metrics have not been recomputed since (run the transform).` };
  return { reason: 'outside_window', text: `Names no deployment or commit; ${incident.service}'s last production deployment was ${duration(last.hoursBefore)} before it opened, outside the ${windowHours} h inference window.` };
}

/** Incidents opened in [from, to), with their linked deployments (method, evidence), the unlinked ones and the inference summary. */
export async function incidentsInWindow(warehouse: Warehouse, query: IncidentsQuery, options: IncidentsOptions = {}): Promise<IncidentsResult> {
  const limit = options.limit ?? 1000;
  const windowHours = options.inferenceWindowHours ?? 24;
  const infer = options.inferIncidentLinks ?? true;
  const params = {
    from: dayStart(query.from), to: dayStart(query.to), team: query.team ?? '', service: query.service ?? '', severity: query.severity ?? '', source: query.source ?? '',
  };
  const filter = incidentFilter(query);
  const [incidents, [totals], [windowFailures]] = await Promise.all([
    warehouse.query(SQL.listed.for(warehouse, { filter }), { ...params, limit }, IncidentRow),
    warehouse.query(SQL.totals.for(warehouse, { filter }), params, TotalsRow),
    // The change failure rate's own rows (by deployment date), in the same team/service scope.
    warehouse.query(SQL.window_failures.for(warehouse, { scope: scopeWhere(query) }), params, WindowFailuresRow),
  ]);
  const ids = incidents.map((i) => i.id);
  const [links, candidates] = await Promise.all([
    warehouse.query(SQL.links.for(warehouse), { ids }, LinkRow),
    warehouse.query(SQL.candidates.for(warehouse), { ids }, CandidateRow),
  ]);

  const linksBy = new Map<string, IncidentLink[]>();
  for (const l of links) {
    const list = linksBy.get(l.incident_id) ?? [];
    list.push({
      deploymentId: l.deployment_id, method: l.method, evidence: l.evidence, service: l.service, team: l.team, repo: l.repo, sha: l.sha, deployedAt: l.deployed_at,
      deploymentFailureMethods: l.failure_methods, inferenceOnly: l.failure_methods.length === 1 && l.failure_methods[0] === 'inferred',
    });
    linksBy.set(l.incident_id, list);
  }
  const candidatesBy = new Map<string, LinkCandidate[]>();
  for (const c of candidates) {
    const list = candidatesBy.get(c.incident_id) ?? [];
    list.push({ deploymentId: c.deployment_id, service: c.service, sha: c.sha, deployedAt: c.deployed_at, hoursBefore: c.hours_before });
    candidatesBy.set(c.incident_id, list);
  }

  const linked: IncidentWithLinks[] = [];
  const unlinked: IncidentWithLinks[] = [];
  for (const i of incidents) {
    const own = linksBy.get(i.id) ?? [];
    const base = {
      id: i.id, source: i.source, service: i.service, team: i.team, severity: i.severity, title: i.title, status: i.status, openedAt: i.opened_at,
      resolvedAt: i.resolved_at, url: i.url, restoreHours: i.restore_hours === null ? null : round(i.restore_hours, 2), references: [...i.linked_deployment_ids, ...i.linked_shas],
    };
    if (own.length) {
      linked.push({ ...base, links: own, inferenceOnly: own.every((l) => l.method === 'inferred'), unlinkedReason: null, unlinkedExplanation: null, candidates: [] });
    } else {
      const cands = candidatesBy.get(i.id) ?? [];
      const why = explainUnlinked(i, cands, windowHours, infer);
      unlinked.push({ ...base, links: [], inferenceOnly: false, unlinkedReason: why.reason, unlinkedExplanation: why.text, candidates: cands });
    }
  }
  const deployments = new Map<string, boolean>();
  for (const incident of linked) for (const l of incident.links) deployments.set(l.deploymentId, l.inferenceOnly);

  return {
    from: query.from,
    to: query.to,
    scope: { team: query.team ?? null, service: query.service ?? null, severity: query.severity ?? null, source: query.source ?? null },
    summary: {
      incidents: totals?.incidents ?? 0,
      linked: totals?.linked ?? 0,
      unlinked: (totals?.incidents ?? 0) - (totals?.linked ?? 0),
      inferenceOnlyIncidents: linked.filter((i) => i.inferenceOnly).length,
      linkedDeployments: deployments.size,
      inferenceOnlyDeployments: [...deployments.values()].filter(Boolean).length,
      windowFailedDeployments: windowFailures?.failed_n ?? 0,
      windowInferenceOnly: windowFailures?.inference_only ?? 0,
    },
    linked,
    unlinked,
    truncated: (totals?.incidents ?? 0) > incidents.length,
    inferenceWindowHours: windowHours,
  };
}

/** The values the incidents page can filter by: every team, service, severity and source incidents have. */
export async function incidentFilterOptions(warehouse: Warehouse): Promise<{ teams: string[]; services: string[]; severities: string[]; sources: string[] }> {
  const [row] = await warehouse.query(SQL.filter_options.for(warehouse), {}, OptionsRow);
  return row ?? { teams: [], services: [], severities: [], sources: [] };
}
