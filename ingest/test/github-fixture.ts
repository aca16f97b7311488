import { createHash } from 'node:crypto';

/*
 * A small GitHub organisation the stand-in API serves: plain data, generated deterministically,
 * that tests change in place (a new status, an updated pull request) between two backfills.
 */

export interface FixtureUser { login: string; id: number; type: 'User' | 'Bot'; name: string; email: string }
export interface FixtureCommit {
  sha: string; parents: string[]; message: string; author: FixtureUser; committer: FixtureUser; authoredAt: string; committedAt: string;
  /** The files it touched (the commit detail's `files`; none listed when absent). */
  files?: string[];
}
export interface FixtureReview { id: number; user: FixtureUser; state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED'; submittedAt: string; commitId: string }
export interface FixturePull {
  number: number; id: number; title: string; user: FixtureUser; labels: string[]; state: 'open' | 'closed';
  createdAt: string; updatedAt: string; closedAt: string | null; mergedAt: string | null;
  baseRef: string; headRef: string; headSha: string; mergeCommitSha: string | null;
  commits: FixtureCommit[]; reviews: FixtureReview[];
}
export interface FixtureStatus { id: number; state: 'in_progress' | 'success' | 'failure' | 'error' | 'inactive' | 'queued' | 'pending'; createdAt: string; creator: FixtureUser }
export interface FixtureDeployment { id: number; sha: string; ref: string; environment: string; createdAt: string; creator: FixtureUser; payload: Record<string, unknown>; statuses: FixtureStatus[] }
export interface FixtureIssue {
  number: number; id: number; title: string; body: string; labels: string[]; state: 'open' | 'closed'; createdAt: string; updatedAt: string; closedAt: string | null; user: FixtureUser;
  /** The issues API also lists pull requests (with a `pull_request` key). */
  pullRequest?: boolean;
}
export interface FixtureRelease { id: number; tagName: string; name: string; createdAt: string; publishedAt: string | null; draft: boolean; author: FixtureUser; targetCommitish: string }
export interface FixtureWorkflow { id: number; name: string; path: string; createdAt: string }
export interface FixtureRun { id: number; workflowId: number; runNumber: number; headSha: string; headBranch: string; conclusion: 'success' | 'failure'; createdAt: string; updatedAt: string; actor: FixtureUser; event: string }
export interface FixtureRepo {
  id: number; owner: string; name: string; defaultBranch: string; createdAt: string;
  /** The default branch, oldest first (first-parent chain). */
  commits: FixtureCommit[];
  pulls: FixturePull[]; deployments: FixtureDeployment[]; issues: FixtureIssue[]; releases: FixtureRelease[];
  workflows: FixtureWorkflow[]; runs: FixtureRun[];
  files: Record<string, string>;
}
export interface GithubFixture { org: { login: string; id: number }; repos: FixtureRepo[] }

export interface FixtureOptions {
  org?: string;
  /** Pull requests of the first repository (the others get fewer). */
  pullRequests?: number;
  /** Number of repositories (at most 3: payments-api, web, platform-monorepo). */
  repos?: number;
}

export const FIXTURE_START = Date.parse('2026-01-05T09:00:00Z');
const HOUR = 3_600_000;
const MINUTE = 60_000;

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
export const shaOf = (text: string) => createHash('sha1').update(text).digest('hex');

let nextId = 1;
const id = () => nextId++;

function user(login: string, type: 'User' | 'Bot' = 'User'): FixtureUser {
  const known = USERS.get(login);
  if (known) return known;
  const created: FixtureUser = { login, id: 1000 + USERS.size, type, name: login.replace(/\[bot\]$/, ''), email: `${login.replace(/\[bot\]$/, '')}@acme.test` };
  USERS.set(login, created);
  return created;
}
const USERS = new Map<string, FixtureUser>();

const DEVELOPERS = ['ana', 'bo', 'chen', 'dee', 'eli'];

/** The fixture organisation: `acme` with payments-api (the busy one), web and platform-monorepo. */
export function githubFixture(options: FixtureOptions = {}): GithubFixture {
  nextId = 1;
  USERS.clear();
  const org = options.org ?? 'acme';
  const specs = [
    { name: 'payments-api', pulls: options.pullRequests ?? 60, bigPulls: true, catalog: CATALOG_PAYMENTS },
    { name: 'web', pulls: Math.max(1, Math.round((options.pullRequests ?? 60) / 4)), bigPulls: false, catalog: CATALOG_WEB },
    { name: 'platform-monorepo', pulls: Math.max(1, Math.round((options.pullRequests ?? 60) / 6)), bigPulls: false, catalog: CATALOG_MONOREPO },
  ].slice(0, options.repos ?? 3);
  return { org: { login: org, id: 9000 }, repos: specs.map((spec, index) => repository(org, spec.name, index, spec.pulls, spec.bigPulls, spec.catalog)) };
}

function repository(owner: string, name: string, index: number, pullCount: number, bigPulls: boolean, catalog: string): FixtureRepo {
  const full = `${owner}/${name}`;
  const start = FIXTURE_START + index * 7 * MINUTE;
  const repo: FixtureRepo = {
    id: 500 + index, owner, name, defaultBranch: 'main', createdAt: iso(start - 30 * 24 * HOUR),
    commits: [], pulls: [], deployments: [], issues: [], releases: [],
    workflows: [
      { id: 7000 + index * 10, name: 'CI', path: '.github/workflows/ci.yml', createdAt: iso(start - 20 * 24 * HOUR) },
      { id: 7001 + index * 10, name: 'Deploy production', path: '.github/workflows/deploy.yml', createdAt: iso(start - 20 * 24 * HOUR) },
    ],
    runs: [],
    files: { 'catalog-info.yaml': catalog },
  };
  const deployer = user('deploy-bot[bot]', 'Bot');
  const root: FixtureCommit = {
    sha: shaOf(`${full}:root`), parents: [], message: 'Initial commit', author: user('ana'), committer: user('ana'),
    authoredAt: iso(start - 24 * HOUR), committedAt: iso(start - 24 * HOUR),
  };
  repo.commits.push(root);
  const head = () => repo.commits[repo.commits.length - 1]!;

  for (let n = 1; n <= pullCount; n += 1) {
    const opened = start + n * 3 * HOUR;
    const author = user(DEVELOPERS[n % DEVELOPERS.length]!);
    const reviewer = user(DEVELOPERS[(n + 2) % DEVELOPERS.length]!);
    const commitCount = bigPulls && n === 3 ? 105 : 1 + (n % 3);
    const commits: FixtureCommit[] = [];
    let parent = head().sha;
    for (let c = 0; c < commitCount; c += 1) {
      const at = iso(opened - 2 * HOUR + c * MINUTE);
      const sha = shaOf(`${full}:pr${n}:c${c}`);
      // In the monorepo, odd pull requests change billing and even ones ledger.
      const files = name === 'platform-monorepo' ? [`services/${n % 2 ? 'billing' : 'ledger'}/src/change-${n}-${c}.ts`] : undefined;
      commits.push({ sha, parents: [parent], message: `Change ${c + 1} for #${n}`, author, committer: author, authoredAt: at, committedAt: at, files });
      parent = sha;
    }
    const reviewCount = bigPulls && n === 5 ? 55 : 2;
    const reviews: FixtureReview[] = [];
    for (let r = 0; r < reviewCount; r += 1) {
      const last = r === reviewCount - 1;
      reviews.push({ id: id() + 80_000, user: reviewer, state: last ? 'APPROVED' : 'COMMENTED', submittedAt: iso(opened + HOUR + r * MINUTE), commitId: parent });
    }
    const fate = n % 10 === 0 ? 'open' : n % 10 === 7 ? 'closed' : 'merged';
    const lastReview = opened + HOUR + (reviewCount - 1) * MINUTE;
    const pull: FixturePull = {
      number: n, id: 100_000 + index * 10_000 + n, title: n % 9 === 0 ? `Hotfix: payment retries (#${n})` : `Feature ${n}`, user: author,
      labels: n % 9 === 0 ? ['hotfix'] : [], state: fate === 'open' ? 'open' : 'closed',
      createdAt: iso(opened), updatedAt: iso(lastReview), closedAt: null, mergedAt: null,
      baseRef: 'main', headRef: `feature/${n}`, headSha: parent, mergeCommitSha: null, commits, reviews,
    };
    if (fate !== 'open') {
      const closed = opened + 2 * HOUR;
      pull.closedAt = iso(closed);
      pull.updatedAt = iso(closed);
      if (fate === 'merged') {
        pull.mergedAt = iso(closed);
        // Squash merge: one new commit on main, authored by the PR author at merge time.
        const squash: FixtureCommit = {
          sha: shaOf(`${full}:squash${n}`), parents: [head().sha], message: `${pull.title} (#${n})`, author, committer: user('web-flow'),
          authoredAt: iso(closed), committedAt: iso(closed),
          files: commits.some((c) => c.files) ? commits.flatMap((c) => c.files ?? []) : undefined,
        };
        repo.commits.push(squash);
        pull.mergeCommitSha = squash.sha;
      }
    }
    repo.pulls.push(pull);
    if (fate === 'merged' && n % 3 === 0) {
      const deployAt = opened + 2 * HOUR + 30 * MINUTE;
      const failed = n % 15 === 0;
      const deployment: FixtureDeployment = {
        // Ids grow with creation time, as GitHub's do (the staging deployment of the same change comes first).
        id: 300_000 + index * 10_000 + 2 * n + 1, sha: head().sha, ref: 'main', environment: 'production', createdAt: iso(deployAt), creator: deployer,
        payload: { service: name === 'platform-monorepo' ? 'billing' : name }, statuses: [],
      };
      deployment.statuses.push({ id: id() + 400_000, state: 'in_progress', createdAt: iso(deployAt + MINUTE), creator: deployer });
      deployment.statuses.push({ id: id() + 400_000, state: failed ? 'failure' : 'success', createdAt: iso(deployAt + 10 * MINUTE), creator: deployer });
      repo.deployments.push(deployment);
      repo.runs.push({
        id: 600_000 + index * 10_000 + n, workflowId: repo.workflows[1]!.id, runNumber: n, headSha: deployment.sha, headBranch: 'main',
        conclusion: failed ? 'failure' : 'success', createdAt: iso(deployAt), updatedAt: iso(deployAt + 10 * MINUTE), actor: deployer, event: 'push',
      });
      if (n % 6 === 0) {
        repo.deployments.push({
          id: 300_000 + index * 10_000 + 2 * n, sha: head().sha, ref: 'main', environment: 'staging', createdAt: iso(deployAt - 20 * MINUTE), creator: deployer,
          payload: {}, statuses: [{ id: id() + 400_000, state: 'success', createdAt: iso(deployAt - 15 * MINUTE), creator: deployer }],
        });
      }
      if (failed || n === 6) {
        const issueNumber = 1_000 + n;
        const openedIncident = deployAt + 20 * MINUTE;
        repo.issues.push({
          number: issueNumber, id: 200_000 + index * 10_000 + n, title: `Payments failing after deploy ${n}`,
          body: `Customers see errors.\n\ndeployment: github:${full}:${deployment.id}\n`, labels: ['incident', 'sev2', `service:${name}`],
          state: 'closed', createdAt: iso(openedIncident), updatedAt: iso(openedIncident + HOUR), closedAt: iso(openedIncident + HOUR), user: user('chen'),
        });
      }
    }
    // CI runs for every pull request: not deployments, and never fetched (their workflow does not match).
    repo.runs.push({
      id: 650_000 + index * 10_000 + n, workflowId: repo.workflows[0]!.id, runNumber: n, headSha: pull.headSha, headBranch: pull.headRef,
      conclusion: 'success', createdAt: iso(opened), updatedAt: iso(opened + 5 * MINUTE), actor: author, event: 'pull_request',
    });
    if (n % 10 === 5) {
      repo.releases.push({
        id: 700_000 + index * 10_000 + n, tagName: `v1.${n}.0`, name: `v1.${n}.0`, createdAt: iso(opened + 3 * HOUR), publishedAt: iso(opened + 3 * HOUR),
        draft: false, author, targetCommitish: 'main',
      });
    }
  }
  // An open incident nobody linked, a non-incident bug, and a pull request carrying the incident label.
  const lastTime = start + (pullCount + 1) * 3 * HOUR;
  repo.issues.push({
    number: 2_000, id: 200_000 + index * 10_000 + 9_000, title: 'Latency spike', body: 'Investigating.', labels: ['Incident', 'sev3'],
    state: 'open', createdAt: iso(lastTime), updatedAt: iso(lastTime), closedAt: null, user: user('dee'),
  });
  repo.issues.push({
    number: 2_001, id: 200_000 + index * 10_000 + 9_001, title: 'Typo in README', body: '', labels: ['bug'],
    state: 'open', createdAt: iso(lastTime), updatedAt: iso(lastTime), closedAt: null, user: user('eli'),
  });
  repo.issues.push({
    number: 2_002, id: 200_000 + index * 10_000 + 9_002, title: 'Fix for the latency incident', body: '', labels: ['incident'],
    state: 'closed', createdAt: iso(lastTime), updatedAt: iso(lastTime + MINUTE), closedAt: iso(lastTime + MINUTE), user: user('dee'), pullRequest: true,
  });
  return repo;
}

/** Every user the fixture mentions, by login. */
export function fixtureUser(login: string): FixtureUser {
  return user(login);
}

export const CATALOG_PAYMENTS = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  description: Card payments
  annotations:
    github.com/project-slug: acme/payments-api
    backstage.io/source-template: template:default/node-service
  tags: [tier-1, node]
spec:
  type: service
  lifecycle: production
  owner: group:default/payments
  system: payments
`;

export const CATALOG_WEB = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web
spec:
  type: website
  lifecycle: production
  owner: group:checkout
`;

export const CATALOG_MONOREPO = `apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: billing-platform
spec:
  owner: group:default/payments
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: billing
  annotations:
    backstage.io/source-location: url:https://github.com/acme/platform-monorepo/tree/main/services/billing/
    paved.dev/tier: tier-2
spec:
  type: service
  lifecycle: production
  owner: payments
  system: system:default/billing-platform
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  annotations:
    backstage.io/source-location: url:https://github.com/acme/platform-monorepo/tree/main/services/ledger
spec:
  type: service
  lifecycle: experimental
  owner: group:default/payments
`;
