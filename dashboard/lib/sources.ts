import { gitlabCatalogRepos } from '@paved/transform';
import type { Warehouse } from '@paved/warehouse';

/**
 * Sources as people name them, and links into the tool a row came from (GitHub or GitLab for
 * commits and pull/merge requests, the deployment's own page for deployments).
 */

const LABELS: Record<string, string> = {
  github: 'GitHub',
  gitlab: 'GitLab',
  jira: 'Jira',
  pagerduty: 'PagerDuty',
  opsgenie: 'Opsgenie',
  argocd: 'Argo CD',
  flux: 'Flux',
  generic: 'Generic webhook',
  catalog: 'Catalog',
  survey: 'Surveys',
  paved: 'Paved',
};

/** `gitlab` → `GitLab`; an unknown source (a generic sender's `source_system`) as it was written. */
export function sourceLabel(source: string): string {
  return LABELS[source] ?? source;
}

/**
 * Which tool reported a deployment, from Paved's deployment id: `github:…` and `gitlab:…` from
 * their webhooks or backfill, `generic:<source_system>:…` from the generic route (Argo CD, Flux,
 * Jenkins…).
 */
export function deploymentSource(id: string): string {
  const generic = /^generic:([a-z0-9_-]+):/.exec(id);
  if (generic?.[1]) return generic[1];
  return id.split(':')[0] || 'generic';
}

/** Where a repository lives: GitLab when it nests groups (`group/subgroup/project`) or is listed as a GitLab project. */
export interface RepoHosts {
  /** sources.gitlab.apiUrl without `/api/v4`, e.g. https://gitlab.com. */
  gitlabWeb: string;
  /** Repositories known to be GitLab projects (catalog `gitlab.com/project-slug`), for two-level paths. */
  gitlabRepos: ReadonlySet<string>;
}

export const DEFAULT_HOSTS: RepoHosts = { gitlabWeb: 'https://gitlab.com', gitlabRepos: new Set() };

const PATH = /^[\w.-]+(\/[\w.-]+)+$/;

export function gitlabWebOf(apiUrl: string | undefined): string {
  return (apiUrl ?? 'https://gitlab.com/api/v4').replace(/\/+$/, '').replace(/\/api\/v4$/, '');
}

function forgeOf(repo: string, hosts: RepoHosts): 'github' | 'gitlab' | null {
  if (!PATH.test(repo)) return null;
  if (hosts.gitlabRepos.has(repo) || repo.split('/').length > 2) return 'gitlab';
  return 'github';
}

/** The commit's page on GitHub or GitLab; null when the repository is not a known path. */
export function commitLink(repo: string, sha: string | null | undefined, hosts: RepoHosts = DEFAULT_HOSTS): string | null {
  if (!sha) return null;
  switch (forgeOf(repo, hosts)) {
    case 'gitlab': return `${hosts.gitlabWeb}/${repo}/-/commit/${sha}`;
    case 'github': return `https://github.com/${repo}/commit/${sha}`;
    default: return null;
  }
}

/** A pull request (GitHub) or merge request (GitLab) page. */
export function changeRequestLink(repo: string, number: number | null | undefined, hosts: RepoHosts = DEFAULT_HOSTS): string | null {
  if (!number) return null;
  switch (forgeOf(repo, hosts)) {
    case 'gitlab': return `${hosts.gitlabWeb}/${repo}/-/merge_requests/${number}`;
    case 'github': return `https://github.com/${repo}/pull/${number}`;
    default: return null;
  }
}

/** `#12` on GitHub, `!12` on GitLab (as each writes its own references). */
export function changeRequestRef(repo: string, number: number, hosts: RepoHosts = DEFAULT_HOSTS): string {
  return forgeOf(repo, hosts) === 'gitlab' ? `!${number}` : `#${number}`;
}

/**
 * Where the organisation's repositories live, for links: GitLab's web address from
 * `sources.gitlab.apiUrl`, and the catalog's GitLab projects plus those GitLab reported deployments
 * of (a two-level GitLab path looks like a GitHub one otherwise).
 */
export async function repoHosts(warehouse: Warehouse, config: { sources: { gitlab?: { apiUrl: string } | undefined } }, gitlabDeployments: { id: string; repo: string }[] = []): Promise<RepoHosts> {
  const repos = new Set(await gitlabCatalogRepos(warehouse));
  for (const d of gitlabDeployments) if (d.id.startsWith('gitlab:')) repos.add(d.repo);
  return { gitlabWeb: gitlabWebOf(config.sources.gitlab?.apiUrl), gitlabRepos: repos };
}
