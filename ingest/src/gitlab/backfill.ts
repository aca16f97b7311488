import type { Instant } from '@paved/schemas';
import { BackfillLoop } from '../backfill-loop.js';
import { z } from 'zod';
import type { Bus } from '../bus/bus.js';
import type { BackfillCursor, CursorKey, CursorStore } from '../backfill-cursor.js';
import { BackfillExtract } from '../backfill-extract.js';
import { catalogEventsFromYaml, type CatalogProblem } from '../catalog/backstage.js';
import type { Delivery, NormaliseContext } from '../delivery.js';
import type { Logger } from '../log.js';
import { GitlabApi, GitlabHttpError } from './api.js';
import {
  GlApprovals, GlCommit, GlCompare, GlDeployment, GlEnvironment, GlIssue, GlMergeRequest, GlNote, GlProject, GlRelease,
  commitDelivery, compareDelivery, deploymentDeliveries, issueDelivery, mergeRequestDelivery, releaseDelivery, type MergeRequestRecord,
} from './backfill-extract.js';

/*
 * Collect, the first half of `paved backfill gitlab` (extract is backfill-extract.ts): per project,
 * merge requests (with commits, approvals and notes), default-branch commits, deployments per
 * environment, incidents, releases and catalog-info.yaml, through GitLab's REST API; then the compare API between
 * consecutive successful production deployments. docs/sources/gitlab.md, "Backfill".
 *
 * Listings that GitLab can filter by `updated_after` are read newest first from the previous run's
 * watermark: a second run asks one page per listing and gets only what changed. After each page,
 * once the bus accepted its deliveries, the cursor records the next page's URL, so an interrupted
 * run goes on from there. Items exactly at the watermark that the previous run delivered are
 * skipped (`updated_after` is inclusive).
 */

export const GITLAB_BACKFILL_KINDS = ['merge_requests', 'commits', 'deployments', 'incidents', 'releases', 'catalog'] as const;
export type GitlabBackfillKind = (typeof GITLAB_BACKFILL_KINDS)[number];

export interface GitlabBackfillOptions {
  api: GitlabApi;
  bus: Bus;
  cursors: CursorStore;
  context: NormaliseContext;
  /** Explicit `group/project` paths. */
  projects?: string[];
  /** Groups whose projects (subgroups included, archived ones left out) are backfilled. */
  groups?: string[];
  /** Oldest time of interest on a first run (later runs go from their watermark). */
  since?: Instant | null;
  /** Environments whose consecutive successful deployments get a compare (default `^(prod|production)$`, case-insensitive). */
  productionEnvironment?: RegExp;
  kinds?: readonly GitlabBackfillKind[];
  /** Read catalog-info.yaml at each project's root (catalog.backstageFromRepos; default true). */
  catalogFromRepos?: boolean;
  /**
   * Within a page of merge requests, how often progress is saved (default 1000 ms; 0: after every
   * merge request). Each save waits for the warehouse to store what came before it, so saving after
   * every merge request would cost more than fetching it; a resumed run fetches again at most what
   * this interval covered.
   */
  progressEveryMs?: number;
  now?: () => Date;
  onProgress?: (progress: { done: number; total: number; project: string | null; kind: string | null; requests: number; rateLimitRemaining: number | null }) => void;
  log?: Logger;
}

export interface GitlabBackfillCounts {
  mergeRequests: number;
  mergeRequestCommits: number;
  approvals: number;
  notes: number;
  commits: number;
  environments: number;
  deployments: number;
  incidents: number;
  releases: number;
  compares: number;
  catalogFiles: number;
}

export interface GitlabBackfillResult {
  projects: string[];
  /** Projects listed explicitly that GitLab did not show (missing, or no access). */
  missingProjects: string[];
  requests: number;
  requestsByKind: Record<string, number>;
  rateLimited: number;
  serverErrors: number;
  throttled: number;
  rateLimitRemaining: number | null;
  /** Requests spent on merge requests per 1,000 merge requests fetched (null when none were). */
  requestsPer1000MergeRequests: number | null;
  fetched: GitlabBackfillCounts;
  deliveries: number;
  deadLettered: number;
  ignored: number;
  events: number;
  /** Items GitLab returned without the expected shape (skipped, logged). */
  skipped: number;
  catalogProblems: CatalogProblem[];
  ms: number;
}

const PER_PAGE = 100;
/** `GET /projects/:id/repository/files/:file_path?ref=` (doc/api/repository_files.md). */
const GlFile = z.looseObject({ file_path: z.string(), encoding: z.literal('base64'), content: z.string(), blob_id: z.string() });
const PRODUCTION = /^(prod|production)$/i;

interface Walk<T> {
  project: GlProject;
  kind: string;
  /** The listing without pagination or time filter (`?` included). */
  listing: string;
  /** Query parameter that filters by time (`updated_after`, or `since` for commits), if GitLab has one; the listing sorts newest first. */
  filter: string | null;
  /** Each item costs requests of its own (merge requests): progress is saved after every item, not every page. */
  itemByItem?: boolean;
  schema: z.ZodType<T>;
  idOf: (item: T) => string;
  /** The item's position: its update time, or (`sha`) the listing is ordered by history and the first item is the head. */
  positionOf: (item: T) => string;
  by: 'time' | 'sha';
  deliveriesOf: (items: T[]) => Promise<Delivery[]>;
}

interface WalkState {
  /** Ids of items at exactly the watermark that were delivered (skipped next time). */
  atWatermark: string[];
  /** While a walk is in progress: ids at its newest time so far. */
  walkTopIds: string[];
  /** While a walk is in progress: `id@position` of the current page's items already delivered. */
  doneOnPage: string[];
}

interface Shipped { id: number; environment: string; sha: string; at: string }

export async function backfillGitlab(options: GitlabBackfillOptions): Promise<GitlabBackfillResult> {
  return new GitlabBackfill(options).run();
}

class GitlabBackfill {
  private readonly started = performance.now();
  private readonly statsAtStart;
  private readonly counts: GitlabBackfillCounts = { mergeRequests: 0, mergeRequestCommits: 0, approvals: 0, notes: 0, commits: 0, environments: 0, deployments: 0, incidents: 0, releases: 0, compares: 0, catalogFiles: 0 };
  private readonly catalogProblems: CatalogProblem[] = [];
  private readonly loop = new BackfillLoop(() => this.api.stats.requests);
  private readonly missingProjects: string[] = [];
  /** The extract step: raw records through the webhook path into canonical events (../backfill-extract.ts). */
  private readonly extract: BackfillExtract;
  private skipped = 0;
  private approvalsRefused = false;
  private readonly log: Logger;

  constructor(private readonly options: GitlabBackfillOptions) {
    this.log = options.log ?? (() => {});
    this.statsAtStart = { ...options.api.stats };
    this.extract = new BackfillExtract({ bus: options.bus, context: options.context, log: this.log });
  }

  private get api(): GitlabApi {
    return this.options.api;
  }

  async run(): Promise<GitlabBackfillResult> {
    const kinds = GITLAB_BACKFILL_KINDS.filter((kind) => (this.options.kinds ?? GITLAB_BACKFILL_KINDS).includes(kind) && (kind !== 'catalog' || this.options.catalogFromRepos !== false));
    const projects = await this.loop.measure('projects', () => this.projects());
    await this.loop.each(projects, kinds, (project) => project.path_with_namespace, (project, kind) => this.backfillKind(project, kind), (done, total, project, kind) => this.options.onProgress?.({
      done, total, project, kind, requests: this.api.stats.requests, rateLimitRemaining: this.api.stats.rateLimitRemaining,
    }));
    const stats = this.api.stats;
    const start = this.statsAtStart;
    const mrRequests = this.loop.requestsByKind.merge_requests ?? 0;
    return {
      projects: projects.map((p) => p.path_with_namespace),
      missingProjects: this.missingProjects,
      requests: stats.requests - start.requests,
      requestsByKind: this.loop.requestsByKind,
      rateLimited: stats.rateLimited - start.rateLimited,
      serverErrors: stats.serverErrors - start.serverErrors,
      throttled: stats.throttled - start.throttled,
      rateLimitRemaining: stats.rateLimitRemaining,
      requestsPer1000MergeRequests: this.counts.mergeRequests ? Math.round((mrRequests / this.counts.mergeRequests) * 1000 * 10) / 10 : null,
      fetched: this.counts,
      deliveries: this.extract.counts.deliveries,
      deadLettered: this.extract.counts.deadLettered,
      ignored: this.extract.counts.ignored,
      events: this.extract.counts.events,
      skipped: this.skipped,
      catalogProblems: this.catalogProblems,
      ms: Math.round(performance.now() - this.started),
    };
  }

  private backfillKind(project: GlProject, kind: GitlabBackfillKind): Promise<void> {
    switch (kind) {
      case 'merge_requests': return this.mergeRequests(project);
      case 'commits': return this.commits(project);
      case 'deployments': return this.deployments(project);
      case 'incidents': return this.incidents(project);
      case 'releases': return this.releases(project);
      case 'catalog': return this.catalog(project);
    }
  }

  // -------------------------------------------------------------------------------------------
  // projects

  private async projects(): Promise<GlProject[]> {
    const found = new Map<string, GlProject>();
    for (const path of this.options.projects ?? []) {
      const page = await this.api.get(`/projects/${GitlabApi.project(path)}`);
      const project = page.data === null ? null : GlProject.safeParse(page.data);
      if (project?.success) found.set(project.data.path_with_namespace, project.data);
      else this.missingProjects.push(path);
    }
    for (const group of this.options.groups ?? []) {
      const listed = await this.api.getAll(`/groups/${GitlabApi.project(group)}/projects?include_subgroups=true&archived=false&order_by=id&sort=asc&per_page=${PER_PAGE}`);
      for (const project of this.parseAll(listed, GlProject, `/groups/${group}/projects`)) if (!found.has(project.path_with_namespace)) found.set(project.path_with_namespace, project);
    }
    if (!found.size && !this.missingProjects.length) throw new Error('nothing to backfill: set sources.gitlab.projects or sources.gitlab.groups in paved.config.yaml, or pass --project group/project');
    return [...found.values()];
  }

  private parseAll<T>(values: unknown, schema: z.ZodType<T>, where: string): T[] {
    const out: T[] = [];
    for (const value of Array.isArray(values) ? values : []) {
      const parsed = schema.safeParse(value);
      if (parsed.success) out.push(parsed.data);
      else {
        this.skipped += 1;
        this.log('warn', 'unexpected GitLab answer: item skipped', { where, problem: `${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}` });
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // the walk shared by every listing

  private async walk<T>(spec: Walk<T>): Promise<void> {
    const key: CursorKey = { source: 'gitlab', scope: spec.project.path_with_namespace, kind: spec.kind };
    const cursor = await this.options.cursors.load(key);
    const state: WalkState = {
      atWatermark: stringList(cursor.state.atWatermark), walkTopIds: stringList(cursor.state.walkTopIds), doneOnPage: stringList(cursor.state.doneOnPage),
    };
    const save = (update: Partial<BackfillCursor>, walkState: WalkState) => this.options.cursors.save(key, { ...cursor, ...update, state: { ...cursor.state, ...walkState } });

    let next: string | null;
    let top: string | null;
    let topIds: string[];
    let stop: string | null;
    let since: string | null;
    let doneOnPage: string[] = [];
    if (cursor.walk) {
      ({ next, top, stop, since } = cursor.walk);
      topIds = state.walkTopIds;
      doneOnPage = state.doneOnPage;
    } else {
      stop = cursor.watermark;
      since = this.options.since ?? null;
      top = spec.by === 'time' ? stop : null;
      topIds = spec.by === 'time' ? state.atWatermark : [];
      const from = spec.by === 'time' ? stop ?? since : since;
      const filter = spec.filter && from ? `&${spec.filter}=${encodeURIComponent(from)}` : '';
      next = `${spec.listing}${spec.listing.includes('?') ? '&' : '?'}per_page=${PER_PAGE}${filter}`;
    }
    const walkAt = (url: string, done: string[]) => save({ walk: { next: url, top, topEtag: null, stop, since } }, { atWatermark: state.atWatermark, walkTopIds: topIds, doneOnPage: done });
    while (next) {
      const url: string = next;
      const page = await this.api.get(url);
      const items = this.parseAll(page.data, spec.schema, `${spec.project.path_with_namespace} ${spec.kind}`);
      const fresh: T[] = [];
      let ended = page.data === null;
      for (const item of items) {
        const position = spec.positionOf(item);
        const id = spec.idOf(item);
        if (spec.by === 'sha' && position === stop) {
          ended = true;
          break;
        }
        if (spec.by === 'time' && stop !== null && position < stop) {
          ended = true;
          break;
        }
        // Delivered by the previous run (at the watermark, which updated_after includes) or by this walk before an interruption.
        if (spec.by === 'time' && position === stop && state.atWatermark.includes(id)) continue;
        if (doneOnPage.includes(`${id}@${position}`)) continue;
        if (spec.by === 'sha') {
          top ??= position;
        } else if (top === null || position > top) {
          top = position;
          topIds = [id];
        } else if (position === top && !topIds.includes(id)) {
          topIds = [...topIds, id];
        }
        fresh.push(item);
      }
      if (spec.itemByItem) {
        // Items that cost requests of their own: progress is kept within the page, so a resumed walk fetches (almost) none of them twice.
        const every = this.options.progressEveryMs ?? 1000;
        let savedAt = performance.now();
        for (const [index, item] of fresh.entries()) {
          await this.send(await spec.deliveriesOf([item]));
          doneOnPage = [...doneOnPage, `${spec.idOf(item)}@${spec.positionOf(item)}`];
          if (index < fresh.length - 1 && performance.now() - savedAt >= every) {
            await walkAt(url, doneOnPage);
            savedAt = performance.now();
          }
        }
      } else {
        // Everything a page needs is fetched before anything is sent: an interruption in between sends nothing twice.
        await this.send(await spec.deliveriesOf(fresh));
      }
      doneOnPage = [];
      next = ended ? null : page.next;
      if (next) await walkAt(next, []);
    }
    await save({ watermark: top ?? cursor.watermark, walk: null }, { atWatermark: spec.by === 'time' ? topIds : [], walkTopIds: [], doneOnPage: [] });
  }

  /** Hands raw records to the extract step; resolves once the bus has them. */
  private send(deliveries: Delivery[]): Promise<void> {
    return this.extract.records(deliveries);
  }


  // -------------------------------------------------------------------------------------------
  // kinds

  private base(project: GlProject): string {
    return `/projects/${GitlabApi.project(project.path_with_namespace)}`;
  }

  /** Merge requests, most recently updated first, each with its commits, approvals and notes (three requests). */
  private mergeRequests(project: GlProject): Promise<void> {
    const base = this.base(project);
    return this.walk({
      project,
      kind: 'merge_requests',
      listing: `${base}/merge_requests?state=all&scope=all&order_by=updated_at&sort=desc`,
      filter: 'updated_after',
      itemByItem: true,
      schema: GlMergeRequest,
      idOf: (mr) => String(mr.iid),
      positionOf: (mr) => normalTime(mr.updated_at),
      by: 'time',
      deliveriesOf: async (mrs) => {
        const records: MergeRequestRecord[] = [];
        for (const mr of mrs) {
          const path = `${base}/merge_requests/${mr.iid}`;
          const commits = this.parseAll(await this.api.getAll(`${path}/commits?per_page=${PER_PAGE}`), GlCommit, `${path}/commits`);
          const approvals = await this.approvals(path);
          const notes = this.parseAll(await this.api.getAll(`${path}/notes?sort=asc&order_by=created_at&per_page=${PER_PAGE}`), GlNote, `${path}/notes`);
          const record: MergeRequestRecord = { merge_request: mr, commits, approvals, notes };
          this.counts.mergeRequests += 1;
          this.counts.mergeRequestCommits += commits.length;
          this.counts.approvals += approvals?.approved_by.length ?? 0;
          this.counts.notes += notes.length;
          records.push(record);
        }
        return records.map((record) => mergeRequestDelivery(project, record));
      },
    });
  }

  /**
   * Who approved the merge request; null when the instance refuses the approvals API (403, e.g. a
   * tier or role without it): it is not asked again in this run, and approvals come from the notes.
   */
  private async approvals(path: string): Promise<GlApprovals | null> {
    if (this.approvalsRefused) return null;
    try {
      const page = await this.api.get(`${path}/approvals`);
      const parsed = GlApprovals.safeParse(page.data ?? {});
      return parsed.success ? parsed.data : { approved_by: [] };
    } catch (error) {
      if (!(error instanceof GitlabHttpError) || error.status !== 403) throw error;
      this.approvalsRefused = true;
      this.log('warn', 'GitLab refused the merge request approvals API (403): approvals are read from the merge requests\' notes instead', { path });
      return null;
    }
  }

  /** Default-branch history, newest first, down to the head the previous run saw. */
  private async commits(project: GlProject): Promise<void> {
    const branch = project.default_branch;
    if (!branch) return;
    await this.walk({
      project,
      kind: 'commits',
      listing: `${this.base(project)}/repository/commits?ref_name=${encodeURIComponent(branch)}`,
      filter: 'since',
      schema: GlCommit,
      idOf: (c) => c.id,
      positionOf: (c) => c.id.toLowerCase(),
      by: 'sha',
      deliveriesOf: async (commits) => {
        this.counts.commits += commits.length;
        // Oldest first, as pushes would have arrived.
        return commits.reverse().map((c) => commitDelivery(project, `refs/heads/${branch}`, c));
      },
    });
  }

  /** Deployments per environment, most recently updated first; then compares between production deployments. */
  private async deployments(project: GlProject): Promise<void> {
    const base = this.base(project);
    const environments = this.parseAll(await this.api.getAll(`${base}/environments?per_page=${PER_PAGE}`), GlEnvironment, `${base}/environments`);
    this.counts.environments += environments.length;
    const production = this.options.productionEnvironment ?? PRODUCTION;
    for (const environment of environments) {
      await this.walk({
        project,
        kind: `deployments:${environment.name}`,
        listing: `${base}/deployments?environment=${encodeURIComponent(environment.name)}&order_by=updated_at&sort=desc`,
        filter: 'updated_after',
        schema: GlDeployment,
        idOf: (d) => String(d.id),
        positionOf: (d) => normalTime(d.updated_at),
        by: 'time',
        deliveriesOf: async (deployments) => {
          this.counts.deployments += deployments.length;
          const shipped = deployments
            .filter((d) => d.status === 'success' && production.test(d.environment.name))
            .map((d) => ({ id: d.id, environment: d.environment.name.toLowerCase(), sha: d.sha.toLowerCase(), at: normalTime(d.finished_at ?? d.updated_at) }));
          if (shipped.length) await this.rememberShipped(project, shipped);
          return deployments.flatMap((d) => deploymentDeliveries(project, d));
        },
      });
    }
    await this.compares(project);
  }

  /** Issues of type incident, and issues carrying the incident label (the webhook counts both). */
  private async incidents(project: GlProject): Promise<void> {
    const base = this.base(project);
    const label = this.options.context.gitlabIncidentLabel ?? this.options.context.incidentLabel;
    const listings = [
      { kind: 'incidents', listing: `${base}/issues?scope=all&issue_type=incident&order_by=updated_at&sort=desc` },
      { kind: 'incidents:labelled', listing: `${base}/issues?scope=all&labels=${encodeURIComponent(label)}&order_by=updated_at&sort=desc` },
    ];
    for (const { kind, listing } of listings) {
      await this.walk({
        project, kind, listing, filter: 'updated_after', schema: GlIssue, idOf: (i) => String(i.iid), positionOf: (i) => normalTime(i.updated_at), by: 'time',
        deliveriesOf: async (found) => {
          this.counts.incidents += found.length;
          return found.map((issue) => issueDelivery(project, issue));
        },
      });
    }
  }

  /** Releases, newest first (GitLab has no updated_after for them: the walk stops at the newest the previous run saw). */
  private releases(project: GlProject): Promise<void> {
    return this.walk({
      project,
      kind: 'releases',
      listing: `${this.base(project)}/releases?order_by=created_at&sort=desc`,
      filter: null,
      schema: GlRelease,
      idOf: (r) => r.tag_name,
      positionOf: (r) => normalTime(r.created_at),
      by: 'time',
      deliveriesOf: async (releases) => {
        this.counts.releases += releases.length;
        return releases.map((release) => releaseDelivery(project, release));
      },
    });
  }

  /**
   * catalog-info.yaml at the root of the default branch (`/repository/files/catalog-info.yaml?ref=`)
   * → catalog entities (source `catalog`), as GitHub's backfill reads it; republished only when its
   * blob changed since the previous run.
   */
  private async catalog(project: GlProject): Promise<void> {
    if (!project.default_branch) return;
    const key: CursorKey = { source: 'gitlab', scope: project.path_with_namespace, kind: 'catalog' };
    const cursor = await this.options.cursors.load(key);
    const page = await this.api.get(`${this.base(project)}/repository/files/catalog-info.yaml?ref=${encodeURIComponent(project.default_branch)}`);
    const file = page.data === null ? null : GlFile.safeParse(page.data);
    const blob = file?.success ? file.data.blob_id : null;
    if (blob === (cursor.state.blob ?? null)) return;
    if (file && !file.success) {
      this.catalogProblems.push({ file: `${project.path_with_namespace}/catalog-info.yaml`, document: null, problem: 'not a file GitLab returned with base64 content' });
    } else if (file?.success) {
      this.counts.catalogFiles += 1;
      const text = Buffer.from(file.data.content, 'base64').toString('utf8');
      const read = catalogEventsFromYaml(text, { file: `${project.path_with_namespace}/${file.data.file_path}`, repo: project.path_with_namespace }, this.options.now?.() ?? new Date());
      this.catalogProblems.push(...read.problems);
      await this.extract.entities(read.events);
    }
    await this.options.cursors.save(key, { ...cursor, state: { blob } });
  }

  // -------------------------------------------------------------------------------------------
  // compares between consecutive successful production deployments

  private compareKey(project: GlProject): CursorKey {
    return { source: 'gitlab', scope: project.path_with_namespace, kind: 'compares' };
  }

  private async compareState(project: GlProject) {
    const cursor = await this.options.cursors.load(this.compareKey(project));
    const state = cursor.state as { seen?: Shipped[]; last?: Record<string, Shipped>; pending?: { from: string; to: string }[] };
    return { cursor, seen: state.seen ?? [], last: state.last ?? {}, pending: state.pending ?? [] };
  }

  private async rememberShipped(project: GlProject, shipped: Shipped[]): Promise<void> {
    const { cursor, seen, last, pending } = await this.compareState(project);
    const byId = new Map(seen.map((s) => [s.id, s]));
    for (const s of shipped) byId.set(s.id, s);
    await this.options.cursors.save(this.compareKey(project), { ...cursor, state: { seen: [...byId.values()], last, pending } });
  }

  /**
   * `GET /projects/:id/repository/compare?from=&to=` for each pair of consecutive successful
   * production deployments with different shas (the previous run's last one included). Pending
   * pairs stay in the cursor: an interrupted run finishes them next time.
   */
  private async compares(project: GlProject): Promise<void> {
    const key = this.compareKey(project);
    const { cursor, seen, last: lastBefore, pending: pendingBefore } = await this.compareState(project);
    const last = { ...lastBefore };
    const pending = [...pendingBefore];
    const byEnvironment = new Map<string, Shipped[]>();
    for (const s of seen) byEnvironment.set(s.environment, [...(byEnvironment.get(s.environment) ?? []), s]);
    for (const [environment, list] of byEnvironment) {
      let previous = last[environment];
      for (const s of list.sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id)) {
        if (previous && previous.at > s.at) continue;
        if (previous && previous.sha !== s.sha && !pending.some((p) => p.from === previous!.sha && p.to === s.sha)) pending.push({ from: previous.sha, to: s.sha });
        previous = s;
      }
      if (previous) last[environment] = previous;
    }
    await this.options.cursors.save(key, { ...cursor, state: { seen: [], last, pending } });
    while (pending.length) {
      const pair = pending[0]!;
      const page = await this.api.get(`${this.base(project)}/repository/compare?from=${pair.from}&to=${pair.to}`);
      const answer = GlCompare.safeParse(page.data);
      if (answer.success) {
        this.counts.compares += 1;
        await this.send([compareDelivery(project, pair.from, pair.to, answer.data, (this.options.now?.() ?? new Date()).toISOString())]);
      } else {
        this.skipped += 1;
        this.log('warn', 'GitLab compare answered an unexpected body (or 404): change set left to pushes', { project: project.path_with_namespace, from: pair.from, to: pair.to });
      }
      pending.shift();
      await this.options.cursors.save(key, { ...cursor, state: { seen: [], last, pending } });
    }
  }
}

/** GitLab times as comparable ISO strings (GitLab writes `...T10:00:00.000Z` or with an offset). */
function normalTime(value: string): string {
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : value;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
