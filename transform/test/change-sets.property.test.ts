import { describe, expect, it } from 'vitest';
import { computeChangeSets, History, ServicePaths, type ChangeSetCommitRow, type ProductionDeployment } from '../src/metrics/change-sets.js';
import { seededRandom as random } from '@paved/schemas';

/*
 * Path-aware change sets over random monorepo histories (no warehouse: the walk is a pure
 * function), against a brute-force oracle: for each service, the commits between its consecutive
 * deployments on one linear branch, kept when their files touch the service's path or libs/ (or are
 * unknown). The oracle must also catch the walk when attribution is switched off.
 */

const REPO = 'acme/mono';
const SERVICES = { api: 'services/api', web: 'services/web', jobs: 'services/jobs' } as const;
type Service = keyof typeof SERVICES;
const FOLDERS = [...Object.values(SERVICES), 'libs/core', 'docs', 'services/apiary'];

interface Scenario { history: History; commits: string[]; files: (string[] | null)[]; deployments: ProductionDeployment[]; heads: Map<Service, number[]> }

function scenario(seed: number): Scenario {
  const next = random(seed);
  const history = new History();
  const total = 20 + Math.floor(next() * 60);
  const commits = Array.from({ length: total }, (_, i) => `${seed.toString(16).padStart(8, '0')}${i.toString(16).padStart(32, '0')}`);
  const files = commits.map(() => {
    if (next() < 0.1) return null;
    const count = 1 + Math.floor(next() * 3);
    return Array.from({ length: count }, () => `${FOLDERS[Math.floor(next() * FOLDERS.length)]}/f${Math.floor(next() * 9)}.ts`);
  });
  commits.forEach((sha, i) => {
    const known = files[i];
    if (known) history.addFiles(REPO, sha, known);
  });
  // One linear branch pushed in chunks; the first push creates it.
  let before = '0'.repeat(40);
  for (let i = 0; i < total;) {
    const size = 1 + Math.floor(next() * 4);
    const chunk = commits.slice(i, i + size);
    history.addPush(REPO, { before, after: chunk[chunk.length - 1]!, commits: chunk });
    before = chunk[chunk.length - 1]!;
    i += size;
  }
  // Each service deploys increasing heads of the branch.
  const heads = new Map<Service, number[]>();
  const deployments: ProductionDeployment[] = [];
  for (const service of Object.keys(SERVICES) as Service[]) {
    const indexes: number[] = [];
    for (let at = Math.floor(next() * 5); at < total; at += 1 + Math.floor(next() * 8)) indexes.push(at);
    heads.set(service, indexes);
    indexes.forEach((index, n) => deployments.push({ id: `${service}-${n}`, service, repo: REPO, sha: commits[index]! }));
  }
  return { history, commits, files, deployments, heads };
}

const touches = (files: string[] | null, service: Service) => files === null
  || files.some((file) => file.startsWith(`${SERVICES[service]}/`) || file.startsWith('libs/'));

/** What the walk should count for each deployment after a service's first one. */
function oracle(s: Scenario): Map<string, string[]> {
  const expected = new Map<string, string[]>();
  for (const [service, indexes] of s.heads) {
    for (let n = 1; n < indexes.length; n += 1) {
      const between = s.commits.slice(indexes[n - 1]! + 1, indexes[n]! + 1).filter((_, k) => touches(s.files[indexes[n - 1]! + 1 + k]!, service));
      expected.set(`${service}-${n}`, between.sort());
    }
  }
  return expected;
}

function countedBy(rows: ChangeSetCommitRow[]): Map<string, string[]> {
  const counted = new Map<string, string[]>();
  for (const row of rows) counted.set(row.deployment_id, [...(counted.get(row.deployment_id) ?? []), row.sha]);
  for (const list of counted.values()) list.sort();
  return counted;
}

function violations(s: Scenario, paths: ServicePaths): string[] {
  const { commits } = computeChangeSets(s.deployments, s.history, paths);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const row of commits) {
    if (seen.has(`${row.service}:${row.sha}`)) problems.push(`${row.sha} counted twice for ${row.service}`);
    seen.add(`${row.service}:${row.sha}`);
    const files = s.files[s.commits.indexOf(row.sha)]!;
    if (!touches(files, row.service as Service)) problems.push(`${row.sha} (${files?.join(' ')}) counted for ${row.service}`);
    if ((files === null) !== (row.attribution === 'assumed')) problems.push(`${row.sha} attribution ${row.attribution} with files ${files?.join(' ') ?? 'unknown'}`);
  }
  const counted = countedBy(commits);
  for (const [deployment, shas] of oracle(s)) {
    if (JSON.stringify(counted.get(deployment) ?? []) !== JSON.stringify(shas)) problems.push(`${deployment}: counted ${counted.get(deployment)?.length ?? 0}, expected ${shas.length}`);
  }
  return problems;
}

const catalog = Object.entries(SERVICES).map(([service, path]) => ({ service, repo: REPO, path }));
const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);

describe('path-aware change sets on random monorepo histories', () => {
  it('every commit counts once per service, only for services whose path (or libs/) it touches, and each change set is the brute-force one', () => {
    const paths = new ServicePaths(catalog, [{ repo: REPO, path: 'libs' }]);
    const failing = SEEDS.map((seed) => ({ seed, problems: violations(scenario(seed), paths) })).filter((r) => r.problems.length);
    expect(failing.slice(0, 3)).toEqual([]);
  });

  it('the oracle catches a walk that ignores paths or shared paths', () => {
    expect(SEEDS.some((seed) => violations(scenario(seed), new ServicePaths()).length > 0)).toBe(true);
    expect(SEEDS.some((seed) => violations(scenario(seed), new ServicePaths(catalog)).length > 0)).toBe(true);
  });
});
