import { createHash } from 'node:crypto';
import { CanonicalEvent, type EventOf } from '@paved/schemas';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { defaultNormaliseContext, type Delivery } from '../src/delivery.js';
import { GITLAB_ASSUMED } from '../src/gitlab/normalise.js';
import { normalise } from '../src/normalise.js';
import { demoCanonicalEvents, demoCounts, demoDeliveries, demoOrg, type DemoOptions } from '../src/demo/generate.js';

const UNTIL = new Date('2026-03-01T00:00:00.000Z');
const SMALL: DemoOptions = { scale: 'small', seed: 7, until: UNTIL };
const DAY = 86_400_000;

/* eslint-disable @typescript-eslint/no-explicit-any -- webhook payloads are checked field by field */
type Payload = any;

function take<T>(items: Iterable<T>, count: number): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (out.length >= count) break;
    out.push(item);
  }
  return out;
}

let smallRun: Delivery[] | undefined;
/** The whole small history, generated once for the tests that read all of it. */
function smallDeliveries(): Delivery[] {
  smallRun ??= [...demoDeliveries(SMALL)];
  return smallRun;
}

const isProduction = (environment: string) => /^(prod|production)$/.test(environment);

describe('demo organisation: determinism', () => {
  it('same seed and until give byte-identical deliveries and counts', () => {
    const first = JSON.stringify(take(demoDeliveries(SMALL), 3000));
    take(demoDeliveries({ ...SMALL, seed: 8 }), 500); // nothing carries over between runs
    const second = JSON.stringify(take(demoDeliveries({ ...SMALL }), 3000));
    expect(second).toBe(first);
    expect(demoCounts(SMALL)).toEqual(demoCounts({ ...SMALL }));
    expect(JSON.stringify([...demoCanonicalEvents(SMALL)])).toBe(JSON.stringify([...demoCanonicalEvents({ ...SMALL })]));
  });

  it('a different seed gives a different organisation and history', () => {
    const a = take(demoDeliveries(SMALL), 200);
    const b = take(demoDeliveries({ ...SMALL, seed: 8 }), 200);
    expect(b.map((d) => d.deliveryId)).not.toEqual(a.map((d) => d.deliveryId));
    expect(demoOrg({ ...SMALL, seed: 8 }).developers).not.toEqual(demoOrg(SMALL).developers);
  });

  it('delivery ids are unique and shaped as the receivers make them, so re-ingesting the demo is idempotent', () => {
    const deliveries = smallDeliveries();
    const ids = deliveries.map((d) => d.deliveryId);
    expect(new Set(ids).size).toBe(ids.length);
    const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
    // X-GitHub-Delivery and PagerDuty's event id as sent; GitLab's Idempotency-Key and Jira's
    // X-Atlassian-Webhook-Identifier as the receiver prefixes them; Argo CD sends no id: the body's hash.
    const shapes: Record<string, RegExp> = {
      github: new RegExp(`^${uuid}$`), pagerduty: new RegExp(`^${uuid}$`),
      gitlab: new RegExp(`^gitlab-idempotency:${uuid}$`), jira: new RegExp(`^jira:${uuid}$`), generic: /^sha256:[0-9a-f]{64}$/,
    };
    const seen = new Set<string>();
    for (const d of deliveries) {
      seen.add(d.source);
      expect(d.deliveryId).toMatch(shapes[d.source]!);
    }
    expect([...seen].sort()).toEqual(['generic', 'github', 'gitlab', 'jira', 'pagerduty']);
    const argocd = deliveries.find((d) => d.source === 'generic')!;
    expect(argocd.deliveryId).toBe(`sha256:${createHash('sha256').update(JSON.stringify(argocd.payload)).digest('hex')}`);
  });

  it('without until, the history ends at the start of the current UTC day', () => {
    const [first] = take(demoDeliveries({ scale: 'small', seed: 7 }), 1);
    const startOfToday = Math.floor(Date.now() / DAY) * DAY;
    const at = Date.parse(first?.receivedAt ?? '');
    expect(at).toBeLessThan(startOfToday);
    expect(at).toBeGreaterThanOrEqual(startOfToday - 93 * DAY);
  });
});

describe('demo organisation: small scale shape', () => {
  it('has 4 teams, 12 services and 30 developers in the acme org', () => {
    const org = demoOrg(SMALL);
    expect(org.org).toBe('acme');
    expect(org.teams).toHaveLength(4);
    expect(org.services).toHaveLength(12);
    expect(org.developers).toHaveLength(30);
    expect(org.teams.reduce((sum, t) => sum + t.developers, 0)).toBe(30);
    for (const dev of org.developers) {
      expect(dev.login).toMatch(/^[a-z]+-[a-z]+$/);
      expect(org.teams.map((t) => t.name)).toContain(dev.team);
    }
    expect(new Set(org.developers.map((d) => d.login)).size).toBe(30);
    for (const service of org.services) expect(service.repo).toMatch(/^acme\//);
  });

  it('puts some services in a monorepo under path prefixes', () => {
    const monorepo = demoOrg(SMALL).services.filter((s) => s.repo === 'acme/platform-monorepo');
    expect(monorepo.map((s) => s.path)).toEqual(expect.arrayContaining(['services/billing', 'services/ledger']));
    for (const service of monorepo) expect(service.path).toBe(`services/${service.service}`);
  });

  it('creates about half the services from golden-path templates', () => {
    const medium = demoOrg({ scale: 'medium', seed: 7, until: UNTIL });
    expect(medium.teams).toHaveLength(12);
    expect(medium.services).toHaveLength(60);
    expect(medium.developers).toHaveLength(150);
    const templated = medium.services.filter((s) => s.source_template !== null);
    expect(templated.length / medium.services.length).toBeGreaterThan(0.35);
    expect(templated.length / medium.services.length).toBeLessThan(0.7);
    for (const s of templated) expect(s.annotations['backstage.io/source-template']).toBe(s.source_template);
  });

  it('covers the three months before until, in chronological order', () => {
    const deliveries = smallDeliveries();
    const from = Date.UTC(2025, 11, 1);
    let previous = '';
    let outOfOrder = 0;
    for (const d of deliveries) {
      if (d.receivedAt < previous) outOfOrder++;
      previous = d.receivedAt;
    }
    expect(outOfOrder).toBe(0);
    expect(Date.parse(deliveries[0]?.receivedAt ?? '')).toBeGreaterThanOrEqual(from);
    expect(Date.parse(deliveries[0]?.receivedAt ?? '')).toBeLessThan(from + 2 * DAY);
    expect(Date.parse(previous)).toBeLessThan(UNTIL.getTime());
    expect(Date.parse(previous)).toBeGreaterThan(UNTIL.getTime() - DAY);
  });

  it('estimates its delivery count closely enough for a progress bar', () => {
    const estimate = demoCounts(SMALL).deliveries;
    const actual = smallDeliveries().length;
    expect(Math.abs(estimate - actual) / actual).toBeLessThan(0.15);
  });
});

describe('demo organisation: webhook payloads', () => {
  it('sends pushes with before, after and commits', () => {
    const pushes = smallDeliveries().filter((d) => d.event === 'push');
    expect(pushes.length).toBeGreaterThan(100);
    for (const { payload } of pushes as { payload: Payload }[]) {
      expect(payload.before).toMatch(/^[0-9a-f]{40}$/);
      expect(payload.after).toMatch(/^[0-9a-f]{40}$/);
      expect(payload.commits.length).toBeGreaterThan(0);
      expect(payload.commits.at(-1).id).toBe(payload.after);
      expect(payload.repository.full_name).toMatch(/^acme\//);
      for (const commit of payload.commits) expect(commit.author.email).toContain('@');
    }
  });

  it('chains pushes to the default branch: each before is the previous after', () => {
    const heads = new Map<string, string>();
    for (const { event, payload } of smallDeliveries() as { event: string; payload: Payload }[]) {
      if (event !== 'push' || payload.ref !== `refs/heads/${payload.repository.default_branch}`) continue;
      const head = heads.get(payload.repository.full_name);
      if (head) expect(payload.before).toBe(head);
      heads.set(payload.repository.full_name, payload.after);
    }
    expect(heads.size).toBeGreaterThan(5);
  });

  it('sends deployment statuses that name their deployment and state', () => {
    const statuses = smallDeliveries().filter((d) => d.event === 'deployment_status');
    expect(statuses.length).toBeGreaterThan(100);
    const environments = new Set<string>();
    for (const { payload } of statuses as { payload: Payload }[]) {
      expect(typeof payload.deployment.id).toBe('number');
      expect(payload.deployment.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(['in_progress', 'success', 'failure']).toContain(payload.deployment_status.state);
      environments.add(payload.deployment.environment);
    }
    expect(environments).toContain('staging');
    expect(environments).toContain('production');
  });

  it('names the service and path in monorepo deployments', () => {
    const services = demoOrg(SMALL).services.filter((s) => s.repo === 'acme/platform-monorepo');
    const monorepo = smallDeliveries().filter((d) => d.source === 'github' && d.event === 'deployment' && (d.payload as Payload).repository.name === 'platform-monorepo');
    expect(monorepo.length).toBeGreaterThan(0);
    for (const { payload } of monorepo as { payload: Payload }[]) {
      const service = services.find((s) => s.service === payload.deployment.payload.service);
      expect(payload.deployment.payload.path).toBe(service?.path);
    }
  });

  it('has reviews by someone other than the author, and bot pull requests', () => {
    const deliveries = smallDeliveries() as { event: string; payload: Payload }[];
    const reviews = deliveries.filter((d) => d.event === 'pull_request_review');
    expect(reviews.length).toBeGreaterThan(100);
    for (const { payload } of reviews) expect(payload.review.user.login).not.toBe(payload.pull_request.user.login);
    const states = new Set(reviews.map((r) => r.payload.review.state));
    expect([...states].sort()).toEqual(['approved', 'changes_requested', 'commented']);
    const opened = deliveries.filter((d) => d.event === 'pull_request' && d.payload.action === 'opened');
    expect(opened.some((d) => ['dependabot[bot]', 'renovate[bot]'].includes(d.payload.pull_request.user.login))).toBe(true);
    expect(opened.some((d) => d.payload.pull_request.labels.some((l: Payload) => l.name === 'hotfix'))).toBe(true);
  });

  it('reverts a bad change with a commit naming the reverted sha', () => {
    const mainCommits = new Set<string>();
    const reverted: string[] = [];
    for (const { event, payload } of smallDeliveries() as { event: string; payload: Payload }[]) {
      if (event !== 'push' || payload.ref !== `refs/heads/${payload.repository.default_branch}`) continue;
      for (const commit of payload.commits) {
        const sha = /This reverts commit ([0-9a-f]{40})\./.exec(commit.message)?.[1];
        if (sha) reverted.push(sha);
        mainCommits.add(commit.id);
      }
    }
    expect(reverted.length).toBeGreaterThan(0);
    // A few reverted changes were merged before the history starts.
    expect(reverted.filter((sha) => mainCommits.has(sha)).length / reverted.length).toBeGreaterThan(0.7);
  });

  it('follows most failed production deployments with an incident within a few hours', () => {
    const deliveries = smallDeliveries() as { source: string; event: string; receivedAt: string; payload: Payload }[];
    const org = demoOrg(SMALL);
    const serviceOf = (repo: string, payload: Payload): string | undefined =>
      payload?.service ?? org.services.find((s) => s.repo === repo && s.path === null)?.service;
    const incidents: { service: string | undefined; repo: string | undefined; at: number }[] = [];
    for (const d of deliveries) {
      if (d.event === 'incident.triggered') incidents.push({ service: d.payload.event.data.service.summary, repo: undefined, at: Date.parse(d.receivedAt) });
      if (d.event === 'issues' && d.payload.action === 'opened' && d.payload.issue.labels.some((l: Payload) => l.name === 'incident')) {
        incidents.push({ service: undefined, repo: d.payload.repository.full_name, at: Date.parse(d.receivedAt) });
      }
    }
    const failures = deliveries.filter((d) => d.event === 'deployment_status' && d.payload.deployment_status.state === 'failure' && isProduction(d.payload.deployment.environment));
    expect(failures.length).toBeGreaterThan(5);
    const followed = failures.filter((f) => {
      const at = Date.parse(f.receivedAt);
      const service = serviceOf(f.payload.repository.full_name, f.payload.deployment.payload);
      return incidents.some((i) => i.at >= at && i.at < at + 4 * 3_600_000 && (i.service === service || i.repo === f.payload.repository.full_name));
    });
    expect(followed.length / failures.length).toBeGreaterThan(0.5);
  });

  it('sends PagerDuty v3 incident webhooks for the incident lifecycle', () => {
    const pagerduty = smallDeliveries().filter((d) => d.source === 'pagerduty');
    expect(new Set(pagerduty.map((d) => d.event))).toEqual(new Set(['incident.triggered', 'incident.acknowledged', 'incident.resolved']));
    for (const { event, deliveryId, payload } of pagerduty as { event: string; deliveryId: string; payload: Payload }[]) {
      expect(payload.event.id).toBe(deliveryId);
      expect(payload.event.event_type).toBe(event);
      expect(payload.event.resource_type).toBe('incident');
      expect(payload.event.data).toMatchObject({ type: 'incident', priority: { summary: expect.stringMatching(/^P[1-4]$/) } });
      expect(typeof payload.event.data.service.summary).toBe('string');
    }
  });

  it('keeps weekends quiet', () => {
    const pushes = smallDeliveries().filter((d) => d.event === 'push');
    const weekend = pushes.filter((d) => [0, 6].includes(new Date(d.receivedAt).getUTCDay()));
    expect(weekend.length / pushes.length).toBeLessThan(0.05);
  });
});

describe('demo organisation: the team on GitLab, Jira and Argo CD', () => {
  const fixture = (name: string): Payload => JSON.parse(readFileSync(new URL(`./fixtures/gitlab/${name}`, import.meta.url), 'utf8'));
  const mixed = () => smallDeliveries().filter((d) => d.source === 'gitlab' || d.source === 'jira' || d.source === 'generic');
  const outcomes = () => mixed().map((d) => ({ d, outcome: normalise(d, defaultNormaliseContext) }));

  it('keeps identity on GitLab (acme/identity/<project>) with Jira incidents; every other team stays on GitHub', () => {
    const org = demoOrg(SMALL);
    for (const service of org.services) {
      if (service.team === 'identity') {
        expect(service.repo).toBe(`acme/identity/${service.service}`);
        expect(service.annotations).toMatchObject({ 'gitlab.com/project-slug': service.repo, 'jira/project-key': 'IAM', 'jira/component': service.service });
      } else {
        expect(service.repo).toMatch(/^acme\/[\w-]+$/);
        expect(service.annotations['github.com/project-slug']).toBe(service.repo);
      }
    }
    const gitlabProjects = new Set(smallDeliveries().filter((d) => d.source === 'gitlab').map((d) => (d.payload as Payload).project.path_with_namespace));
    expect([...gitlabProjects].sort()).toEqual(org.services.filter((s) => s.team === 'identity').map((s) => s.repo).sort());
  });

  it('sends GitLab hooks with every top-level field of GitLab\'s documented examples', () => {
    const examples: Record<string, string> = {
      'Push Hook': '01-push-hook.json', 'Merge Request Hook': '08-merge-request-hook.json', 'Note Hook': '05-note-hook-merge-request.json',
      'Pipeline Hook': '10-pipeline-hook.json', 'Deployment Hook': '12-deployment-hook.json',
    };
    for (const [event, file] of Object.entries(examples)) {
      const documented = fixture(file);
      const sent = smallDeliveries().find((d) => d.source === 'gitlab' && d.event === event)?.payload as Payload;
      expect(sent, event).toBeDefined();
      expect(Object.keys(sent).sort(), event).toEqual(expect.arrayContaining(Object.keys(documented).sort()));
      if (documented.object_attributes) expect(Object.keys(sent.object_attributes), event).toEqual(expect.arrayContaining(Object.keys(documented.object_attributes)));
      expect(sent.object_kind, event).toBe(documented.object_kind);
    }
  });

  it('every GitLab, Jira and Argo CD delivery is accepted by its normaliser (Pipeline Hooks ignored, as without deploymentPipelinePattern)', () => {
    const results = outcomes();
    expect(results.length).toBeGreaterThan(1000);
    for (const { d, outcome } of results) {
      if (d.event === 'Pipeline Hook') expect(outcome.kind, d.deliveryId).toBe('ignored');
      else expect(outcome.kind, `${d.event} ${d.deliveryId}: ${outcome.kind === 'ok' ? '' : outcome.reason}`).toBe('ok');
    }
    const events = new Set(results.map(({ d }) => `${d.source} ${d.event}`));
    for (const event of ['gitlab Push Hook', 'gitlab Merge Request Hook', 'gitlab Note Hook', 'gitlab Pipeline Hook', 'gitlab Deployment Hook', 'jira jira:issue_created', 'jira jira:issue_updated', 'generic deployment']) {
      expect(events).toContain(event);
    }
  });

  it('chains GitLab pushes to the default branch and merges every merge request it opens or closes', () => {
    const heads = new Map<string, string>();
    let chained = 0;
    for (const { source, event, payload } of smallDeliveries() as { source: string; event: string; payload: Payload }[]) {
      if (source !== 'gitlab' || event !== 'Push Hook' || payload.ref !== `refs/heads/${payload.project.default_branch}`) continue;
      const head = heads.get(payload.project.path_with_namespace);
      if (head) {
        expect(payload.before).toBe(head);
        chained++;
      }
      heads.set(payload.project.path_with_namespace, payload.after);
      expect(payload.commits.at(-1).id).toBe(payload.after);
    }
    expect(chained).toBeGreaterThan(50);
    const actions = new Set(smallDeliveries().filter((d) => d.event === 'Merge Request Hook').map((d) => (d.payload as Payload).object_attributes.action));
    expect([...actions].sort()).toEqual(['approved', 'merge', 'open', 'update'].concat(actions.has('close') ? ['close'] : []).sort());
  });

  it('lists only the newest 20 commits of a long push, and the normaliser flags it for Data health', () => {
    const long = outcomes().filter(({ d }) => d.event === 'Push Hook' && (d.payload as Payload).total_commits_count > 20);
    expect(long.length).toBeGreaterThan(0);
    for (const { d, outcome } of long) {
      expect((d.payload as Payload).commits).toHaveLength(20);
      expect(outcome.kind === 'ok' && outcome.assumptions).toContain(GITLAB_ASSUMED.pushTruncated);
    }
  });

  it('reports production of golden-path services through Argo CD\'s documented template, and the rest through GitLab environments', () => {
    const deployments = outcomes().flatMap(({ outcome }) => (outcome.kind === 'ok' ? outcome.events : [])).filter((e): e is EventOf<'deployment'> => e.type === 'deployment');
    const argocd = deployments.filter((e) => e.data.source_system === 'argocd');
    const gitlab = deployments.filter((e) => e.data.source_system === 'gitlab_deployments');
    expect(argocd.length).toBeGreaterThan(10);
    for (const e of argocd) {
      expect(e.data).toMatchObject({ environment: 'production', repo: expect.stringMatching(/^acme\/identity\//), sha: expect.stringMatching(/^[0-9a-f]{40}$/) });
      expect(['success', 'failure']).toContain(e.data.status);
    }
    const environments = new Set(gitlab.map((e) => e.data.environment));
    expect(environments).toContain('staging');
    expect([...environments].some((environment) => isProduction(environment))).toBe(true);
    // What the template posts, field for field (docs/sources/argocd.md).
    const body = smallDeliveries().find((d) => d.source === 'generic')!.payload as Payload;
    expect(Object.keys(body).sort()).toEqual(['creator', 'environment', 'finished_at', 'id', 'pipeline', 'repo', 'service', 'sha', 'source_system', 'started_at', 'status', 'url']);
  });

  it('tracks identity\'s incidents in Jira: created, taken on, resolved, some naming the deployment that caused them', () => {
    const incidents = outcomes().flatMap(({ outcome }) => (outcome.kind === 'ok' ? outcome.events : [])).filter((e): e is EventOf<'incident'> => e.type === 'incident');
    expect(incidents.length).toBeGreaterThan(5);
    const byId = new Map<string, EventOf<'incident'>[]>();
    for (const e of incidents) byId.set(e.data.id, [...(byId.get(e.data.id) ?? []), e]);
    for (const [id, updates] of byId) {
      expect(id).toMatch(/^jira:IAM-\d+$/);
      expect(updates.map((u) => u.data.status)).toEqual(expect.arrayContaining(['open']));
      expect(updates[0]!.data.url).toBe(`https://acme.atlassian.net/browse/${id.slice(5)}`);
    }
    const resolved = incidents.filter((e) => e.data.status === 'resolved');
    expect(resolved.length).toBeGreaterThan(3);
    for (const e of resolved) expect(Date.parse(e.data.resolved_at!)).toBeGreaterThan(Date.parse(e.data.opened_at));
    // Explicit references resolve to deployments the demo reported: a GitLab job URL (seed 7), Argo CD's sync by Paved's id (seed 42).
    const referenced = (deliveries: Iterable<Delivery>) => {
      const normalised = [...deliveries].filter((d) => d.source === 'jira' || d.source === 'generic' || d.event === 'Deployment Hook')
        .flatMap((d) => { const o = normalise(d, defaultNormaliseContext); return o.kind === 'ok' ? o.events : []; });
      const known = new Set(normalised.flatMap((e) => (e.type === 'deployment' ? [e.data.id, e.data.url ?? ''] : [])));
      const references = normalised.flatMap((e) => (e.type === 'incident' ? e.data.linked_deployment_ids : []));
      for (const reference of references) expect(known).toContain(reference);
      return references;
    };
    expect(referenced(smallDeliveries())).toContainEqual(expect.stringMatching(/^https:\/\/gitlab\.com\/acme\/identity\/[\w-]+\/-\/jobs\/\d+$/));
    expect(referenced(demoDeliveries({ ...SMALL, seed: 42 }))).toContainEqual(expect.stringMatching(/^generic:argocd:argocd\/[\w-]+@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/));
  });
});

describe('demo organisation: behaviour', () => {
  it('golden-path services fail less often in production than the others (medium scale)', () => {
    const options: DemoOptions = { scale: 'medium', seed: 7, until: UNTIL };
    const org = demoOrg(options);
    const golden = new Set(org.services.filter((s) => s.source_template !== null).map((s) => s.service));
    const byRepo = new Map(org.services.filter((s) => s.path === null).map((s) => [s.repo, s.service]));
    const tally = { golden: { failure: 0, total: 0 }, other: { failure: 0, total: 0 } };
    // Two months of history hold over a thousand production deployments each: plenty to compare.
    const stopAt = UNTIL.getTime() - 10 * 30 * DAY;
    for (const { event, receivedAt, payload } of demoDeliveries(options) as Generator<{ event: string; receivedAt: string; payload: Payload }>) {
      if (Date.parse(receivedAt) >= stopAt) break;
      if (event !== 'deployment_status' || !isProduction(payload.deployment.environment) || payload.deployment.payload.rollback) continue;
      const state = payload.deployment_status.state;
      if (state === 'in_progress') continue;
      const service = payload.deployment.payload.service ?? byRepo.get(payload.repository.full_name);
      const bucket = golden.has(service) ? tally.golden : tally.other;
      bucket.total++;
      if (state === 'failure') bucket.failure++;
    }
    expect(tally.golden.total).toBeGreaterThan(300);
    expect(tally.other.total).toBeGreaterThan(300);
    expect(tally.golden.failure / tally.golden.total).toBeLessThan(tally.other.failure / tally.other.total);
  });
});

describe('demo organisation: canonical events without a webhook source', () => {
  const events = [...demoCanonicalEvents(SMALL)];

  it('are all valid canonical events with stable, unique ids', () => {
    for (const event of events) expect(() => CanonicalEvent.parse(event)).not.toThrow();
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('include one Backstage-like catalog entity per service', () => {
    const catalog = events.filter((e): e is EventOf<'catalog_entity'> => e.type === 'catalog_entity');
    expect(catalog).toHaveLength(12);
    for (const e of catalog) expect(e.source).toBe('catalog');
    expect(catalog.map((e) => e.data)).toEqual(demoOrg(SMALL).services);
  });

  it('include golden-path adoption events', () => {
    const adoption = events.filter((e): e is EventOf<'adoption'> => e.type === 'adoption');
    const kinds = new Set(adoption.map((e) => e.data.kind));
    expect(kinds).toContain('template_run');
    expect(kinds).toContain('service_created');
    for (const e of adoption) expect(e.source).toBe('paved');
    const medium = [...demoCanonicalEvents({ scale: 'medium', seed: 7, until: UNTIL })].filter((e): e is EventOf<'adoption'> => e.type === 'adoption');
    expect(medium.some((e) => e.data.kind === 'pipeline_adopted')).toBe(true);
  });

  it('include the survey definition and two anonymous rounds from about 70% of developers', () => {
    const [definition, ...others] = events.filter((e): e is EventOf<'survey_definition'> => e.type === 'survey_definition');
    expect(others).toHaveLength(0);
    expect(definition?.data).toMatchObject({ id: 'developer-experience', version: 1 });
    expect(definition?.data.drivers.map((d) => d.id)).toEqual([
      'build_test_speed', 'ci_reliability', 'ease_of_deployment', 'code_review', 'documentation', 'cognitive_load', 'flow_focus', 'on_call', 'platform_satisfaction',
    ]);
    expect(definition?.data.extra_items.map((i) => i.id)).toEqual(['enps', 'hours_lost', 'biggest_friction']);

    const responses = events.filter((e): e is EventOf<'survey_response'> => e.type === 'survey_response');
    const campaigns = [...new Set(responses.map((r) => r.data.campaign_id))];
    expect(campaigns).toEqual(['2025-q4', '2026-q1']);
    for (const campaign of campaigns) {
      const share = responses.filter((r) => r.data.campaign_id === campaign).length / 30;
      expect(share).toBeGreaterThan(0.5);
      expect(share).toBeLessThan(0.9);
    }
    for (const r of responses) {
      expect(r.source).toBe('survey');
      expect(r.data.answers.enps === null || (r.data.answers.enps! >= 0 && r.data.answers.enps! <= 10)).toBe(true);
    }
  });

  it('never put a login in a survey response', () => {
    const logins = demoOrg(SMALL).developers.map((d) => d.login);
    const responses = JSON.stringify(events.filter((e) => e.type === 'survey_response'));
    for (const login of logins) expect(responses).not.toContain(login);
  });
});
