import type { Random } from './random.js';

/** Words that make pull requests, commits and incidents read like the team's own domain. */
const DOMAIN_NOUNS: Record<string, string[]> = {
  payments: ['refund', 'payout', 'card token', 'invoice', 'ledger entry', 'settlement', 'chargeback', 'currency conversion', 'payment intent'],
  checkout: ['cart', 'order', 'promo code', 'tax line', 'shipping quote', 'checkout session', 'basket total', 'address form'],
  identity: ['session', 'refresh token', 'SSO login', 'MFA challenge', 'password reset', 'role binding', 'OIDC callback', 'user profile'],
  platform: ['build cache', 'feature flag', 'config reload', 'service template', 'secret rotation', 'catalog sync', 'golden path docs'],
  search: ['query parser', 'index build', 'autocomplete', 'ranking model', 'synonym list', 'facet counts', 'spelling suggestions'],
  data: ['event schema', 'ingestion job', 'warehouse load', 'partition pruning', 'late events', 'dbt model', 'backfill'],
  'mobile-api': ['push token', 'app config', 'BFF endpoint', 'device registration', 'API versioning', 'offline sync'],
  growth: ['referral code', 'experiment bucket', 'landing page', 'email campaign', 'onboarding step', 'attribution'],
  notifications: ['email template', 'SMS delivery', 'webhook retry', 'notification preference', 'digest', 'bounce handling'],
  infra: ['ingress rule', 'node pool', 'DNS record', 'terraform module', 'backup job', 'cost report', 'cluster autoscaler'],
  ml: ['feature pipeline', 'model rollout', 'embedding cache', 'fraud score', 'training job', 'recommendation slate'],
  'support-tools': ['ticket routing', 'agent console', 'macro', 'chat widget', 'knowledge base article', 'refund tool'],
};
const GENERIC_NOUNS = ['API client', 'health check', 'pagination', 'rate limiter', 'retry policy', 'metrics', 'error handling', 'config', 'cache', 'background job', 'admin page', 'audit log', 'queue consumer'];

const FEATURE_VERBS = ['Add', 'Support', 'Introduce', 'Implement', 'Enable', 'Expose'];
const BUG_VERBS = ['Fix', 'Handle', 'Guard against', 'Correct', 'Prevent'];
const BUG_PROBLEMS = ['race in', 'null', 'timeout in', 'off-by-one in', 'duplicate', 'stale', 'flaky test for', 'encoding of', 'missing index on'];
const CHORE_TITLES = ['Bump Node to 20.x in CI', 'Upgrade logging library', 'Tidy up lint warnings', 'Update CODEOWNERS', 'Pin base image digest', 'Remove unused dependencies', 'Speed up test suite', 'Raise coverage threshold'];
const REFACTOR_VERBS = ['Refactor', 'Simplify', 'Extract', 'Split up', 'Clean up'];
const DOCS_TITLES = ['Document', 'Update runbook for', 'Add ADR for', 'Explain'];

const FOLLOW_UP_COMMITS = ['Address review comments', 'Fix lint', 'Add tests', 'Rename per review', 'Update snapshots', 'Handle edge case', 'wip', 'Fix failing test', 'Tweak error message', 'Remove debug logging'];

const DEPENDENCIES: Record<string, { ecosystem: string; packages: string[] }> = {
  TypeScript: { ecosystem: 'npm_and_yarn', packages: ['axios', 'zod', 'express', 'pino', '@types/node', 'typescript', 'vitest', 'eslint', 'undici', 'fastify'] },
  Go: { ecosystem: 'go_modules', packages: ['github.com/stretchr/testify', 'google.golang.org/grpc', 'github.com/prometheus/client_golang', 'golang.org/x/net', 'github.com/jackc/pgx/v5'] },
  Java: { ecosystem: 'gradle', packages: ['org.springframework.boot', 'com.fasterxml.jackson.core:jackson-databind', 'io.micrometer:micrometer-core', 'org.postgresql:postgresql'] },
  Kotlin: { ecosystem: 'gradle', packages: ['io.ktor:ktor-server-core', 'org.jetbrains.kotlinx:kotlinx-coroutines-core', 'io.mockk:mockk'] },
  Python: { ecosystem: 'pip', packages: ['requests', 'pydantic', 'fastapi', 'numpy', 'pandas', 'pytest', 'sqlalchemy'] },
  Ruby: { ecosystem: 'bundler', packages: ['rails', 'puma', 'sidekiq', 'rspec-rails', 'nokogiri'] },
};

const EXTENSIONS: Record<string, string> = { TypeScript: 'ts', Go: 'go', Java: 'java', Kotlin: 'kt', Python: 'py', Ruby: 'rb' };
const SOURCE_FILES = ['handler', 'service', 'client', 'repository', 'config', 'routes', 'worker', 'model', 'validation', 'metrics'];

export type PullRequestKind = 'feature' | 'bug' | 'chore' | 'refactor' | 'docs' | 'tech-debt' | 'plain';

function noun(rng: Random, team: string): string {
  const bank = DOMAIN_NOUNS[team];
  return bank && rng.chance(0.7) ? rng.pick(bank) : rng.pick(GENERIC_NOUNS);
}

export function pullRequestTitle(rng: Random, team: string, kind: PullRequestKind): string {
  switch (kind) {
    case 'feature': return `${rng.pick(FEATURE_VERBS)} ${noun(rng, team)} ${rng.pick(['support', 'endpoint', 'validation', 'metrics', 'export', 'filtering', 'caching', 'pagination'])}`;
    case 'bug': return `${rng.pick(BUG_VERBS)} ${rng.pick(BUG_PROBLEMS)} ${noun(rng, team)}`;
    case 'chore': return rng.pick(CHORE_TITLES);
    case 'refactor': return `${rng.pick(REFACTOR_VERBS)} ${noun(rng, team)} ${rng.pick(['module', 'handling', 'code path', 'types'])}`;
    case 'docs': return `${rng.pick(DOCS_TITLES)} ${noun(rng, team)}`;
    case 'tech-debt': return `Remove legacy ${noun(rng, team)} ${rng.pick(['code path', 'flag', 'fallback', 'adapter'])}`;
    case 'plain': return `${rng.pick([...FEATURE_VERBS, ...BUG_VERBS, 'Update', 'Improve'])} ${noun(rng, team)}`;
  }
}

export function hotfixTitle(rng: Random, team: string): string {
  return `Hotfix: ${rng.pick(['restore', 'guard', 'roll forward fix for', 'patch'])} ${noun(rng, team)}`;
}

export function firstCommitMessage(rng: Random, title: string, kind: PullRequestKind): string {
  const lower = title.charAt(0).toLowerCase() + title.slice(1);
  if (rng.chance(0.35)) {
    const prefix = kind === 'feature' ? 'feat' : kind === 'bug' ? 'fix' : kind === 'docs' ? 'docs' : kind === 'refactor' ? 'refactor' : 'chore';
    return `${prefix}: ${lower}`;
  }
  return title;
}

export function followUpCommitMessage(rng: Random): string {
  return rng.pick(FOLLOW_UP_COMMITS);
}

export function pullRequestBody(rng: Random, title: string): string {
  if (rng.chance(0.25)) return '';
  return `## What\n${title}.\n\n## Why\n${rng.pick(['Customers hit this in production.', 'Part of the quarterly roadmap.', 'Requested by support.', 'Reduces toil for on-call.', 'Follow-up from the last incident review.'])}\n\n## Testing\n${rng.pick(['Unit tests added.', 'Tested on staging.', 'Covered by existing integration tests.', 'Manual check against staging data.'])}`;
}

export interface DependencyBump {
  title: string;
  branch: string;
  ecosystem: string;
}

export function dependencyBump(rng: Random, language: string, directory: string | null, renovate: boolean): DependencyBump {
  const deps = DEPENDENCIES[language] ?? DEPENDENCIES.TypeScript;
  const pkg = rng.pick(deps?.packages ?? ['lodash']);
  const major = rng.int(1, 9);
  const minor = rng.int(0, 30);
  const from = `${major}.${minor}.${rng.int(0, 9)}`;
  const to = rng.chance(0.8) ? `${major}.${minor}.${rng.int(10, 19)}` : `${major}.${minor + 1}.0`;
  const ecosystem = deps?.ecosystem ?? 'npm_and_yarn';
  const where = directory ? ` in /${directory}` : '';
  const slug = pkg.replace(/[^a-zA-Z0-9.]+/g, '-').replace(/^-|-$/g, '');
  if (renovate) {
    return { title: `Update dependency ${pkg} to v${to}`, branch: `renovate/${directory ? `${directory.replace(/\//g, '-')}-` : ''}${slug}-${major}.x`, ecosystem };
  }
  return {
    title: `Bump ${pkg} from ${from} to ${to}${where}`,
    branch: `dependabot/${ecosystem}/${directory ? `${directory}/` : ''}${slug}-${to}`,
    ecosystem,
  };
}

export function changedFiles(rng: Random, language: string, path: string | null, count: number): string[] {
  const ext = EXTENSIONS[language] ?? 'ts';
  const root = path ? `${path}/` : '';
  const files = new Set<string>();
  while (files.size < count) {
    const dir = rng.pick(['src', 'src', 'src/api', 'src/domain', 'test']);
    files.add(`${root}${dir}/${rng.pick(SOURCE_FILES)}${dir === 'test' ? '.test' : ''}.${ext}`);
  }
  return [...files];
}

export function branchName(rng: Random, login: string, title: string, kind: PullRequestKind): string {
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40).replace(/-$/, '');
  const prefix = kind === 'feature' ? 'feat' : kind === 'bug' ? 'fix' : kind === 'plain' ? (login.split('-')[0] ?? 'dev') : kind;
  return rng.chance(0.3) ? `${login.split('-')[0] ?? 'dev'}/${slug}` : `${prefix}/${slug}`;
}

const INCIDENT_SYMPTOMS = ['Elevated 5xx rate', 'p99 latency above SLO', 'Error budget burn rate > 10x', 'Pods crash-looping', 'Queue backlog growing', 'Health checks failing', 'Spike in timeouts', 'Increased checkout abandonment alert'];
const UNPLANNED_CAUSES = ['Database failover', 'Upstream provider returning 502s', 'TLS certificate expired', 'Disk full on worker nodes', 'DNS resolution failures', 'Cloud region network degradation', 'Noisy neighbour saturating the cluster', 'Third-party API rate limiting us'];

export function incidentTitle(rng: Random, service: string, deploymentCaused: boolean): string {
  if (deploymentCaused) return `${rng.pick(INCIDENT_SYMPTOMS)} on ${service}`;
  return `${rng.pick(UNPLANNED_CAUSES)} affecting ${service}`;
}

const ISSUE_TITLES: Record<string, string[]> = {
  bug: ['Wrong total shown after currency switch', 'Timeout when exporting large reports', 'Error page instead of empty state', 'Flaky integration test on CI', 'Memory usage creeps up over a week'],
  enhancement: ['Support bulk updates', 'Expose metrics for queue depth', 'Add dark mode to admin page', 'Allow filtering by date range', 'Make retry count configurable'],
  'tech-debt': ['Remove deprecated v1 endpoints', 'Migrate off legacy config loader', 'Consolidate duplicate HTTP clients'],
  question: ['How do we rotate the service credentials?', 'Where are the staging dashboards?'],
};

export function issueOf(rng: Random): { title: string; label: string } {
  const label = rng.weighted(['bug', 'enhancement', 'tech-debt', 'question'], [45, 35, 12, 8]);
  return { title: rng.pick(ISSUE_TITLES[label] ?? ['Follow-up']), label };
}
