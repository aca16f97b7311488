import type { CatalogEntity, SurveyResponse } from '@paved/schemas';
import { addUtcMonths, DAY, instant, startOfUtcDay } from './calendar.js';
import { jiraProjectKey } from './jira-payloads.js';
import { Random } from './random.js';

export type DemoScale = 'small' | 'medium' | 'large';
export type TenureBand = NonNullable<SurveyResponse['tenure']>;
export type RoleBand = NonNullable<SurveyResponse['role']>;

export interface DemoOptions {
  scale: DemoScale;
  seed: number;
  /** End of the history (exclusive); default: start of the current UTC day. */
  until?: Date;
}

export const ORG = 'acme';

interface ScaleSpec {
  teams: number;
  services: number;
  developers: number;
  months: number;
  /** Multiplies every developer's pace; large runs hotter so the benchmark reaches its event volume. */
  activity: number;
  /** Multiplies commits per pull request (large: bigger, chattier enterprise pull requests). */
  commits: number;
}

export const SCALES: Record<DemoScale, ScaleSpec> = {
  small: { teams: 4, services: 12, developers: 30, months: 3, activity: 1, commits: 1 },
  medium: { teams: 12, services: 60, developers: 150, months: 12, activity: 1, commits: 1 },
  large: { teams: 40, services: 300, developers: 800, months: 24, activity: 2.2, commits: 2.2 },
};

export type Tier = 'elite' | 'high' | 'medium' | 'low';

/** How often a service can reach production, slowest first. */
export const CADENCES = ['fortnightly', 'weekly', 'twice-weekly', 'daily', 'continuous'] as const;
export type Cadence = (typeof CADENCES)[number];

/** Mean commits in a pull request (before review fix-ups): small and often versus big and rare. */
export const COMMITS_PER_PR: Record<Tier, number> = { elite: 1.8, high: 2.3, medium: 2.9, low: 3.6 };

/** Team behaviour by delivery performance; durations are medians of log-normal distributions. */
export interface TierProfile {
  prsPerDevDay: number;
  cadence: Cadence;
  /** Working hours from first commit to opening the pull request. */
  codingHours: number;
  /** Working hours from opening to the first review. */
  pickupHours: number;
  /** Working hours from approval to merge (CI, last nits). */
  mergeHours: number;
  firstPassApproval: number;
  prSizeLines: number;
  squashShare: number;
  /** Share of production deployments that go wrong, before batch size and the golden path. */
  failureRate: number;
  /** Wall-clock hours from incident to resolution. */
  recoveryHours: number;
  /** Working hours a release waits in staging before someone promotes it. */
  promotionHours: number;
  unplannedIncidentsPerMonth: number;
}

const TIER_PROFILES: Record<Tier, TierProfile> = {
  elite: { prsPerDevDay: 1.0, cadence: 'continuous', codingHours: 3, pickupHours: 1.2, mergeHours: 0.6, firstPassApproval: 0.75, prSizeLines: 70, squashShare: 0.9, failureRate: 0.03, recoveryHours: 0.8, promotionHours: 0, unplannedIncidentsPerMonth: 0.15 },
  high: { prsPerDevDay: 0.82, cadence: 'daily', codingHours: 7, pickupHours: 3.5, mergeHours: 1.5, firstPassApproval: 0.65, prSizeLines: 140, squashShare: 0.7, failureRate: 0.06, recoveryHours: 2.5, promotionHours: 0.75, unplannedIncidentsPerMonth: 0.25 },
  medium: { prsPerDevDay: 0.66, cadence: 'twice-weekly', codingHours: 14, pickupHours: 8, mergeHours: 4, firstPassApproval: 0.55, prSizeLines: 240, squashShare: 0.5, failureRate: 0.14, recoveryHours: 7, promotionHours: 2.5, unplannedIncidentsPerMonth: 0.4 },
  low: { prsPerDevDay: 0.5, cadence: 'weekly', codingHours: 26, pickupHours: 15, mergeHours: 10, firstPassApproval: 0.45, prSizeLines: 420, squashShare: 0.3, failureRate: 0.24, recoveryHours: 20, promotionHours: 6, unplannedIncidentsPerMonth: 0.5 },
};

const TEMPLATES = {
  node: 'template:default/node-service',
  go: 'template:default/go-service',
  python: 'template:default/python-service',
  java: 'template:default/spring-boot-service',
} as const;

const LANGUAGE_OF_TEMPLATE: Record<string, string> = {
  [TEMPLATES.node]: 'TypeScript',
  [TEMPLATES.go]: 'Go',
  [TEMPLATES.python]: 'Python',
  [TEMPLATES.java]: 'Java',
};

/** Where a team's code, merge requests and deployments live. */
export type Forge = 'github' | 'gitlab';
export type IncidentTool = 'pagerduty' | 'github' | 'jira';

interface TeamSeed {
  name: string;
  tier: Tier;
  offset: number;
  incidentTool: IncidentTool;
  /** GitLab teams keep their projects under `acme/<team>/` and deploy production through Argo CD once on the golden path. */
  forge?: Forge;
  templates: string[];
  services: string[];
}

/** The twelve teams every demo starts from; small takes the first four (one of each tier). */
const TEAM_BANK: TeamSeed[] = [
  { name: 'payments', tier: 'low', offset: 60, incidentTool: 'pagerduty', templates: [TEMPLATES.java, TEMPLATES.node], services: ['payments-api', 'billing', 'ledger', 'payment-gateway', 'refunds', 'invoicing', 'payouts', 'card-vault', 'fx-rates', 'subscriptions'] },
  { name: 'checkout', tier: 'high', offset: 60, incidentTool: 'github', templates: [TEMPLATES.node], services: ['checkout-api', 'cart', 'order-service', 'checkout-web', 'promotions', 'tax-calculator', 'address-validation'] },
  { name: 'identity', tier: 'medium', offset: 60, incidentTool: 'jira', forge: 'gitlab', templates: [TEMPLATES.go, TEMPLATES.java], services: ['auth-service', 'user-profile', 'sso-gateway', 'session-service', 'permissions', 'mfa-service'] },
  { name: 'platform', tier: 'elite', offset: 60, incidentTool: 'pagerduty', templates: [TEMPLATES.go], services: ['developer-portal', 'feature-flags', 'config-service', 'build-cache', 'secrets-broker', 'service-catalog', 'platform-api'] },
  { name: 'search', tier: 'elite', offset: 0, incidentTool: 'pagerduty', templates: [TEMPLATES.go, TEMPLATES.node], services: ['search-api', 'indexer', 'autocomplete', 'ranking', 'query-understanding', 'search-web'] },
  { name: 'data', tier: 'medium', offset: 330, incidentTool: 'pagerduty', templates: [TEMPLATES.python], services: ['event-collector', 'data-pipeline', 'warehouse-loader', 'metrics-api', 'schema-registry', 'reporting-service'] },
  { name: 'mobile-api', tier: 'high', offset: -300, incidentTool: 'pagerduty', templates: [TEMPLATES.node], services: ['mobile-gateway', 'mobile-bff', 'push-sender', 'app-config', 'mobile-auth'] },
  { name: 'growth', tier: 'elite', offset: -300, incidentTool: 'pagerduty', templates: [TEMPLATES.node], services: ['growth-api', 'referrals', 'experiments', 'landing-pages', 'email-campaigns', 'onboarding-flow'] },
  { name: 'notifications', tier: 'high', offset: 60, incidentTool: 'pagerduty', templates: [TEMPLATES.go, TEMPLATES.node], services: ['notification-service', 'email-sender', 'sms-gateway', 'preference-center', 'webhook-dispatcher'] },
  { name: 'infra', tier: 'medium', offset: 0, incidentTool: 'pagerduty', templates: [TEMPLATES.go], services: ['k8s-operators', 'ingress-controller', 'dns-manager', 'terraform-modules', 'cost-explorer', 'backup-service'] },
  { name: 'ml', tier: 'low', offset: 330, incidentTool: 'github', templates: [TEMPLATES.python], services: ['recommendations', 'feature-store', 'model-serving', 'fraud-scoring', 'embedding-service', 'training-pipeline'] },
  { name: 'support-tools', tier: 'medium', offset: 330, incidentTool: 'github', templates: [TEMPLATES.node, TEMPLATES.python], services: ['support-console', 'ticket-router', 'chat-widget', 'knowledge-base', 'refund-tool'] },
];

/** Further teams for the large organisation; their services are named `<team>-<suffix>`. */
const EXTRA_TEAMS = [
  'pricing', 'fulfillment', 'inventory', 'fraud', 'personalisation', 'messaging', 'onboarding', 'accounts',
  'partner-api', 'storefront', 'mobile-apps', 'analytics', 'observability', 'devex', 'security', 'compliance',
  'martech', 'loyalty', 'shipping', 'returns', 'tax', 'reporting', 'media', 'content', 'localization', 'ads',
  'experimentation', 'edge',
];
const SERVICE_SUFFIXES = ['api', 'service', 'worker', 'web', 'jobs', 'gateway', 'sync', 'admin', 'events', 'store', 'scheduler', 'importer', 'exporter', 'cache', 'console', 'bridge', 'reconciler', 'notifier'];

/**
 * Where the demo's monorepos keep their shared libraries: commits there count for every service of
 * the repository (`catalog.sharedPaths`; `paved demo` and `paved start --demo` configure it).
 */
export const DEMO_SHARED_PATHS = [{ path: 'libs' }] as const;
export const SHARED_LIBRARIES = ['common', 'http-client', 'money', 'telemetry'] as const;

/** Services that live in a shared monorepo under `services/<name>`. */
const MONOREPO_OF: Record<string, string> = {
  billing: 'platform-monorepo', ledger: 'platform-monorepo', invoicing: 'platform-monorepo',
  'feature-flags': 'platform-monorepo', 'config-service': 'platform-monorepo',
  'mobile-gateway': 'mobile-monorepo', 'mobile-bff': 'mobile-monorepo', 'push-sender': 'mobile-monorepo', 'app-config': 'mobile-monorepo',
};

const FIRST_NAMES = [
  'alice', 'bruno', 'chen', 'divya', 'emma', 'farid', 'grace', 'hiro', 'ines', 'jonas', 'kemi', 'lars', 'maya', 'nikhil', 'olga',
  'pedro', 'qiang', 'rosa', 'sven', 'tara', 'umar', 'vera', 'wei', 'ximena', 'yusuf', 'zoe', 'amara', 'ben', 'carla', 'dmitri',
  'elif', 'felix', 'gabriela', 'hassan', 'ingrid', 'jamal', 'kaito', 'lena', 'mateo', 'nadia', 'oscar', 'priya', 'rafael', 'sofia',
  'tomas', 'uma', 'viktor', 'wanjiru', 'yara', 'zain', 'anja', 'bilal', 'chiara', 'david', 'eva', 'finn', 'hana', 'ivan', 'julia',
  'kwame', 'lucia', 'marek', 'noor', 'omar', 'paula', 'ravi', 'sara', 'theo', 'ayesha', 'marta', 'daniel', 'mei', 'arjun', 'leila',
  'samuel', 'anna', 'kofi', 'isabel', 'jin', 'fatima', 'lucas', 'astrid', 'diego', 'sana', 'niko',
];
const LAST_NAMES = [
  'chen', 'silva', 'okafor', 'novak', 'patel', 'mueller', 'kowalski', 'haddad', 'tanaka', 'garcia', 'johansson', 'nguyen', 'rossi',
  'dubois', 'kim', 'schmidt', 'ivanova', 'mensah', 'lopez', 'fischer', 'yilmaz', 'andersen', 'ali', 'moreau', 'costa', 'sato',
  'wright', 'kumar', 'becker', 'rahman', 'santos', 'larsen', 'petrov', 'osei', 'fernandez', 'weber', 'ito', 'hansen', 'murphy',
  'singh', 'bauer', 'eriksson', 'khan', 'ortiz', 'varga', 'lindqvist', 'adeyemi', 'wagner', 'morales', 'zhang', 'horvat', 'nakamura',
  'oconnor', 'reyes', 'berg', 'iqbal', 'walsh', 'duarte', 'kaya', 'meyer', 'park', 'shah', 'romero', 'lehmann', 'nowak', 'bianchi',
  'keller', 'suzuki', 'gomez', 'popescu', 'jensen', 'abara', 'marino', 'wolf', 'ramos', 'hoffmann', 'das', 'vogel', 'li', 'brown',
];

const REMOTE_OFFSETS = [0, 60, 120, -300, 330];

export interface Person {
  login: string;
  id: number;
  name: string;
  email: string;
  bot: boolean;
  offsetMinutes: number;
}

export interface Developer extends Person {
  team: string;
  tenure: TenureBand;
  role: RoleBand;
  /** Personal multiplier on the team's pull request rate. */
  pace: number;
}

export interface RepoModel {
  name: string;
  /** `acme/<name>` on GitHub, `acme/<team>/<name>` on GitLab (a project's path_with_namespace). */
  fullName: string;
  forge: Forge;
  id: number;
  defaultBranch: string;
  createdAt: number;
  monorepo: boolean;
  services: ServiceModel[];
  squashShare: number;
  language: string;
  /** Which bot opens dependency updates, if any. */
  dependencyBot: 'dependabot' | 'renovate' | null;
  /** Non-incident issues (bugs, feature requests) opened per week. */
  issuesPerWeek: number;
  /** Name of the production environment in this repo's deployments. */
  productionEnvironment: string;
  /** Head of the default branch when the history starts (null: the repo is created during it). */
  initialHead: string | null;
  /** First pull request / issue number of the history. */
  firstNumber: number;
}

export interface ServiceModel {
  index: number;
  name: string;
  team: TeamModel;
  repo: RepoModel;
  path: string | null;
  tier: string;
  lifecycle: string;
  system: string;
  template: string | null;
  /** When the service joined the golden path (null: never). */
  goldenSince: number | null;
  goldenMode: 'template' | 'adopted' | null;
  createdAt: number;
  createdBy: Developer;
  /** Share of the team's work that lands here. */
  activity: number;
  /** Cadence before any golden-path upgrade. */
  cadence: Cadence;
  /** Weekday (1-5) of weekly or fortnightly release trains. */
  trainWeekday: number;
  failureFactor: number;
  pagerdutyId: string;
  language: string;
  techdocs: boolean;
}

export interface TeamModel {
  name: string;
  tier: Tier;
  profile: TierProfile;
  offsetMinutes: number;
  incidentTool: IncidentTool;
  forge: Forge;
  developers: Developer[];
  services: ServiceModel[];
}

export interface Bots {
  dependabot: Person;
  renovate: Person;
  actions: Person;
  pipelines: Person;
  scaffolder: Person;
  webFlow: Person;
}

export interface OrgModel {
  org: string;
  scale: DemoScale;
  seed: number;
  /** First instant of the history (inclusive). */
  start: number;
  /** End of the history (exclusive). */
  until: number;
  teams: TeamModel[];
  services: ServiceModel[];
  repos: RepoModel[];
  developers: Developer[];
  bots: Bots;
}

export function resolveUntil(options: DemoOptions): number {
  // The only clock read in the demo: without an explicit `until`, the history ends today (UTC).
  return options.until ? options.until.getTime() : startOfUtcDay(Date.now());
}

function bot(login: string, id: number): Person {
  return { login, id, name: login, email: `${id}+${login}@users.noreply.github.com`, bot: true, offsetMinutes: 0 };
}

const BOTS: Bots = {
  dependabot: bot('dependabot[bot]', 49699333),
  renovate: bot('renovate[bot]', 29139614),
  actions: bot('github-actions[bot]', 41898282),
  pipelines: bot('acme-pipelines[bot]', 187340211),
  scaffolder: bot('acme-backstage[bot]', 187340977),
  webFlow: { login: 'web-flow', id: 19864447, name: 'GitHub', email: 'noreply@github.com', bot: false, offsetMinutes: 0 },
};

export function buildOrg(options: DemoOptions): OrgModel {
  const spec = SCALES[options.scale];
  const rng = new Random(options.seed, 'org');
  const until = resolveUntil(options);
  const start = addUtcMonths(until, -spec.months);
  const span = until - start;

  const seeds = teamSeeds(spec.teams, rng);
  const sizes = apportion(spec.developers, seeds.map((s) => (s.name === 'platform' ? 1.3 : 1) * rng.logNormal(1, 0.35)), 3);
  const serviceCounts = apportion(spec.services, sizes, 1);

  const usedLogins = new Set<string>();
  const usedServices = new Set<string>();
  const teams: TeamModel[] = [];
  const developers: Developer[] = [];
  const services: ServiceModel[] = [];
  const reposByName = new Map<string, RepoModel>();

  seeds.forEach((seed, teamIndex) => {
    const team: TeamModel = {
      name: seed.name, tier: seed.tier, profile: TIER_PROFILES[seed.tier], offsetMinutes: seed.offset,
      incidentTool: seed.incidentTool, forge: seed.forge ?? 'github', developers: [], services: [],
    };
    teams.push(team);
    for (let i = 0; i < (sizes[teamIndex] ?? 0); i++) {
      const developer = makeDeveloper(rng, team, usedLogins);
      team.developers.push(developer);
      developers.push(developer);
    }
    const names = serviceNames(seed, serviceCounts[teamIndex] ?? 1, usedServices);
    const teamMonorepo = names.length >= 3 && !TEAM_BANK.includes(seed) && teamIndex % 4 === 1 ? `${seed.name}-monorepo` : null;
    names.forEach((name, i) => {
      const monorepoName = MONOREPO_OF[name] ?? (teamMonorepo && i > 0 ? teamMonorepo : null);
      const service = makeService(rng, { team, seed, name, monorepoName, start, span, index: services.length });
      services.push(service);
      team.services.push(service);
    });
  });

  // Monorepos that ended up holding one service are ordinary repositories.
  const monorepoCounts = new Map<string, number>();
  for (const s of services) if (s.path) monorepoCounts.set(s.repo.name, (monorepoCounts.get(s.repo.name) ?? 0) + 1);
  for (const s of services) {
    if (s.path && (monorepoCounts.get(s.repo.name) ?? 0) < 2) {
      s.path = null;
      s.repo = { ...s.repo, name: s.name, fullName: repoFullName(s.team, s.name), monorepo: false };
    }
  }
  for (const service of services) {
    let repo = reposByName.get(service.repo.name);
    if (!repo) {
      repo = service.repo;
      repo.services = [];
      reposByName.set(repo.name, repo);
    }
    service.repo = repo;
    repo.services.push(service);
    repo.createdAt = Math.min(repo.createdAt, service.createdAt);
  }
  const repos = [...reposByName.values()];
  for (const repo of repos) finishRepo(rng, repo, start);

  return { org: ORG, scale: options.scale, seed: options.seed, start, until, teams, services, repos, developers, bots: BOTS };
}

function teamSeeds(count: number, rng: Random): TeamSeed[] {
  const seeds = TEAM_BANK.slice(0, Math.min(count, TEAM_BANK.length));
  const tiers: Tier[] = ['elite', 'high', 'high', 'medium', 'medium', 'medium', 'low', 'elite', 'high', 'low'];
  for (let i = 0; seeds.length < count; i++) {
    const name = EXTRA_TEAMS[i % EXTRA_TEAMS.length] ?? 'team';
    const round = Math.floor(i / EXTRA_TEAMS.length);
    seeds.push({
      name: round === 0 ? name : `${name}-${round + 1}`,
      tier: rng.pick(tiers),
      offset: rng.weighted([60, 0, -300, 330], [5, 2, 2, 1]),
      incidentTool: rng.chance(0.25) ? 'github' : 'pagerduty',
      templates: rng.chance(0.5) ? [TEMPLATES.node, TEMPLATES.go] : [rng.pick(Object.values(TEMPLATES))],
      services: [],
    });
  }
  return seeds;
}

/** Splits `total` in proportion to `weights`, at least `min` each (largest remainder). */
function apportion(total: number, weights: number[], min: number): number[] {
  const free = total - min * weights.length;
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => (free * w) / sum);
  const counts = raw.map((r) => min + Math.floor(r));
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => ({ i, frac: r - Math.floor(r) })).sort((a, b) => b.frac - a.frac);
  for (const { i } of order) {
    if (left <= 0) break;
    counts[i] = (counts[i] ?? 0) + 1;
    left--;
  }
  return counts;
}

function serviceNames(seed: TeamSeed, count: number, used: Set<string>): string[] {
  const names: string[] = [];
  const candidates = [...seed.services, ...SERVICE_SUFFIXES.map((suffix) => `${seed.name}-${suffix}`)];
  for (let i = 0; names.length < count; i++) {
    const name = candidates[i] ?? `${seed.name}-svc-${i}`;
    if (used.has(name)) continue;
    used.add(name);
    names.push(name);
  }
  return names;
}

function makeDeveloper(rng: Random, team: TeamModel, used: Set<string>): Developer {
  let first = rng.pick(FIRST_NAMES);
  let last = rng.pick(LAST_NAMES);
  while (used.has(`${first}-${last}`) || first === last) {
    first = rng.pick(FIRST_NAMES);
    last = rng.pick(LAST_NAMES);
  }
  const login = `${first}-${last}`;
  used.add(login);
  const role = rng.weighted<RoleBand>(['engineer', 'senior', 'staff+', 'manager', 'other'], [45, 35, 8, 7, 5]);
  const pace = rng.logNormal(1, 0.3) * (role === 'manager' ? 0.25 : role === 'staff+' ? 0.8 : role === 'other' ? 0.5 : 1);
  return {
    login,
    id: 1_000_000 + rng.int(0, 140_000_000),
    name: `${capitalise(first)} ${capitalise(last === 'oconnor' ? "o'connor" : last)}`,
    email: `${first}.${last}@acme.dev`,
    bot: false,
    offsetMinutes: rng.chance(0.85) ? team.offsetMinutes : rng.pick(REMOTE_OFFSETS),
    team: team.name,
    tenure: rng.weighted<TenureBand>(['<1y', '1-3y', '3-5y', '5y+'], [20, 40, 25, 15]),
    role,
    pace,
  };
}

function capitalise(word: string): string {
  return word.replace(/(^|[-'])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());
}

interface ServiceSeed {
  team: TeamModel;
  seed: TeamSeed;
  name: string;
  monorepoName: string | null;
  start: number;
  span: number;
  index: number;
}

const GOLDEN_SHARE: Record<Tier, number> = { elite: 0.72, high: 0.56, medium: 0.44, low: 0.3 };

function makeService(rng: Random, s: ServiceSeed): ServiceModel {
  const { team, name, start, span } = s;
  const golden = rng.chance(GOLDEN_SHARE[team.tier]);
  const goldenMode = golden ? (rng.chance(0.6) ? 'template' : 'adopted') : null;
  const template = golden ? rng.pick(s.seed.templates) : null;
  const bornInHistory = goldenMode === 'template' && !s.monorepoName && rng.chance(0.25);
  const createdAt = bornInHistory
    ? start + Math.floor(span * rng.between(0.05, 0.8))
    : start - Math.floor(DAY * (goldenMode === 'template' ? rng.between(60, 900) : rng.between(365, 2200)));
  const goldenSince = goldenMode === 'template' ? createdAt : goldenMode === 'adopted' ? start + Math.floor(span * rng.between(0.1, 0.85)) : null;
  const path = s.monorepoName ? `services/${name.startsWith(`${team.name}-`) ? name.slice(team.name.length + 1) : name}` : null;
  const repoName = s.monorepoName ?? name;
  const language = template ? (LANGUAGE_OF_TEMPLATE[template] ?? 'TypeScript') : rng.pick(['TypeScript', 'Go', 'Java', 'Kotlin', 'Python', 'Ruby']);
  const deprecated = !golden && rng.chance(0.05);
  const cadenceIndex = CADENCES.indexOf(team.profile.cadence) + (rng.chance(0.25) ? rng.pick([-1, 1]) : 0);
  const createdBy = rng.pick(team.developers);
  return {
    index: s.index,
    name,
    team,
    repo: {
      name: repoName, fullName: repoFullName(team, repoName), forge: team.forge, id: 0, defaultBranch: 'main', createdAt, monorepo: s.monorepoName !== null,
      services: [], squashShare: team.profile.squashShare, language, dependencyBot: null, issuesPerWeek: 0,
      productionEnvironment: 'production', initialHead: null, firstNumber: 1,
    },
    path,
    tier: /api|gateway|auth|checkout|payment|cart|order|ledger|billing|session/.test(name) ? 'tier-1' : rng.chance(0.6) ? 'tier-2' : 'tier-3',
    lifecycle: deprecated ? 'deprecated' : bornInHistory && createdAt > start + span * 0.6 ? 'experimental' : 'production',
    system: team.name,
    template,
    goldenSince,
    goldenMode,
    createdAt,
    createdBy,
    activity: rng.logNormal(1, 0.6) * (deprecated ? 0.2 : 1),
    cadence: CADENCES[Math.max(0, Math.min(CADENCES.length - 1, cadenceIndex))] ?? team.profile.cadence,
    trainWeekday: rng.int(2, 4),
    failureFactor: rng.logNormal(1, 0.25),
    pagerdutyId: `P${rng.base36(6)}`,
    language,
    techdocs: golden || rng.chance(0.3),
  };
}

function finishRepo(rng: Random, repo: RepoModel, start: number): void {
  repo.id = 400_000_000 + rng.int(0, 400_000_000);
  const first = repo.services[0];
  const legacy = !repo.monorepo && first !== undefined && first.goldenMode === null && first.team.tier !== 'elite' && rng.chance(0.15);
  if (legacy) repo.defaultBranch = 'master';
  if (repo.monorepo) repo.squashShare = 0.95;
  else if (first?.goldenMode) repo.squashShare = Math.min(1, repo.squashShare + 0.2);
  // A few old repositories name their production environment `prod`.
  if (legacy || (first?.goldenMode === null && rng.chance(0.08))) repo.productionEnvironment = 'prod';
  const updatesDependencies = rng.chance(repo.services.some((s) => s.goldenMode) ? 0.95 : 0.6);
  repo.dependencyBot = updatesDependencies ? (rng.chance(0.25) ? 'renovate' : 'dependabot') : null;
  // Dependabot does not run on GitLab: Renovate opens those merge requests (the draw above stays, so the stream does too).
  if (repo.forge === 'gitlab' && repo.dependencyBot) repo.dependencyBot = 'renovate';
  repo.issuesPerWeek = rng.chance(0.55) ? rng.between(0.3, 2.5) : 0;
  const bornInHistory = repo.createdAt >= start;
  repo.initialHead = bornInHistory ? null : rng.hex(40);
  const ageDays = Math.max(1, (start - repo.createdAt) / DAY);
  repo.firstNumber = bornInHistory ? 1 : 1 + Math.floor(ageDays * rng.between(0.8, 4) * repo.services.length);
}

function repoFullName(team: TeamModel, name: string): string {
  return team.forge === 'gitlab' ? `${ORG}/${team.name}/${name}` : `${ORG}/${name}`;
}

/** Whether the service deploys through the golden path at time `at`. */
export function goldenAt(service: ServiceModel, at: number): boolean {
  return service.goldenSince !== null && at >= service.goldenSince;
}

/** How often the service can reach production at time `at`. */
export function cadenceAt(service: ServiceModel, at: number): Cadence {
  if (!goldenAt(service, at)) return service.cadence;
  // The golden path ships a deployment pipeline: at least daily, continuous for teams ready for it.
  if (service.team.tier === 'elite' || service.team.tier === 'high') return 'continuous';
  const index = Math.max(CADENCES.indexOf(service.cadence) + 1, CADENCES.indexOf('daily'));
  return CADENCES[Math.min(index, CADENCES.length - 1)] ?? 'daily';
}

/** The Backstage-like catalog entry of a service, as the catalog would report it at the end of the history. */
export function catalogEntityOf(service: ServiceModel, until: number): CatalogEntity {
  const gitlab = service.repo.forge === 'gitlab';
  const annotations: Record<string, string> = gitlab
    ? { 'gitlab.com/project-slug': service.repo.fullName }
    : { 'github.com/project-slug': service.repo.fullName };
  // Backstage's PagerDuty and Jira plugins read these.
  if (service.team.incidentTool === 'jira') {
    annotations['jira/project-key'] = jiraProjectKey(service.team.name);
    annotations['jira/component'] = service.name;
  } else {
    annotations['pagerduty.com/service-id'] = service.pagerdutyId;
  }
  if (gitlab && goldenAt(service, until)) annotations['argocd/app-name'] = service.name;
  if (service.template) annotations['backstage.io/source-template'] = service.template;
  if (service.techdocs) annotations['backstage.io/techdocs-ref'] = 'dir:.';
  if (service.path) {
    annotations['backstage.io/source-location'] = gitlab
      ? `url:https://gitlab.com/${service.repo.fullName}/-/tree/${service.repo.defaultBranch}/${service.path}`
      : `url:https://github.com/${service.repo.fullName}/tree/${service.repo.defaultBranch}/${service.path}`;
  }
  const updatedAt = Math.min(until - DAY, Math.max(service.createdAt, service.goldenSince ?? 0) + 3 * DAY);
  return {
    service: service.name,
    team: service.team.name,
    tier: service.tier,
    repo: service.repo.fullName,
    path: service.path,
    lifecycle: service.lifecycle,
    system: service.system,
    annotations,
    source_template: service.template,
    created_at: instant(service.createdAt),
    updated_at: instant(updatedAt),
  };
}
