import { z } from 'zod';

const regex = z.string().refine((value) => {
  try { new RegExp(value); return true; } catch { return false; }
}, { message: 'not a valid regular expression; check escaping (in YAML single quotes, write \\d as \\d)' });

const ServiceMapping = z.object({
  /** Service name as it appears everywhere in Paved. */
  name: z.string().min(1),
  team: z.string().min(1),
  /** `owner/name` of the repository holding the service (GitLab: the project path, `group/subgroup/project`). */
  repo: z.string().regex(/^[^/\s]+(\/[^/\s]+)+$/, 'expected owner/name (GitLab: group/project or group/subgroup/project)'),
  /** Path prefix inside a monorepo (omit for the whole repository). */
  path: z.string().optional(),
  tier: z.string().optional(),
  lifecycle: z.string().optional(),
  /** Golden-path template the service came from (same as the Backstage `backstage.io/source-template` annotation). */
  template: z.string().optional(),
}).strict();

const SharedPath = z.object({
  /** Path prefix inside the repository, e.g. `libs` or `libs/` (a leading or trailing `/` is ignored). */
  path: z.string().min(1).refine((value) => value.replace(/^\/+|\/+$/g, '') !== '', { message: 'a shared path of "/" would make every commit count for every service; name a folder such as libs/' }),
  /** `owner/name`; omit to apply the path in every repository. */
  repo: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected owner/name').optional(),
}).strict();

const Team = z.object({
  name: z.string().min(1),
  /** Developer count, used for ROI figures and roadmap weighting. */
  developers: z.number().int().nonnegative().optional(),
}).strict();

export const PavedConfig = z.object({
  /** Where the dashboard and webhook receivers listen. Without `auth.oidc`, Paved refuses to bind beyond loopback. */
  server: z.object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(3000),
    /**
     * The address people open Paved at when it is not a loopback name (e.g. behind a proxy). Without
     * auth.oidc, a request whose Host is neither a loopback name nor this URL's host is refused
     * (DNS rebinding). See docs/security.md.
     */
    publicUrl: z.url().optional(),
  }).strict().default({ host: '127.0.0.1', port: 3000 }),

  sources: z.object({
    github: z.object({
      /** Organisation whose repositories are backfilled. */
      org: z.string().optional(),
      /** Explicit repositories (`owner/name`); empty means every repository of `org`. */
      repos: z.array(z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected owner/name')).default([]),
      /** GitHub API base URL (GitHub Enterprise Server: https://HOST/api/v3). */
      apiUrl: z.url().default('https://api.github.com'),
      /** Issues carrying this label (case-insensitive) are incidents. */
      incidentLabel: z.string().default('incident'),
      /** Actions workflow runs whose workflow name matches count as deployments (unset: only GitHub deployments do). */
      deploymentWorkflowPattern: regex.optional(),
      /**
       * Backfill's budget of commit-detail requests per run (`GET /repos/{owner}/{repo}/commits/{sha}`,
       * newest commits first) for the file lists of monorepo commits: repositories where a
       * catalog.services entry has a path or a catalog.sharedPaths entry names the repository.
       */
      commitFileRequests: z.number().int().nonnegative().default(1000),
    }).strict().optional(),
    /** GitLab (gitlab.com or self-managed): webhooks at /webhooks/gitlab (GITLAB_WEBHOOK_TOKEN). docs/sources/gitlab.md. */
    gitlab: z.object({
      /** REST API base URL (self-managed: https://HOST/api/v4). */
      apiUrl: z.url().default('https://gitlab.com/api/v4'),
      /** Name of the environment variable holding the API token (read_api scope). */
      tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name such as GITLAB_TOKEN').default('GITLAB_TOKEN'),
      /** Groups whose projects are read (`group` or `group/subgroup`). */
      groups: z.array(z.string().regex(/^[^/\s]+(\/[^/\s]+)*$/, 'expected a group path such as acme or acme/platform')).default([]),
      /** Explicit projects (`group/project`, `group/subgroup/project`); map them to services in catalog.services (repo = project path). */
      projects: z.array(z.string().regex(/^[^/\s]+(\/[^/\s]+)+$/, 'expected a project path such as acme/payments')).default([]),
      /** Issues and work items carrying this label (case-insensitive, also as a scoped label `incident::...`) are incidents, besides type Incident. */
      incidentLabel: z.string().default('incident'),
      /** Finished pipelines whose name (`workflow:name`) matches count as deployments (unset: only Deployment Hooks, i.e. jobs with an environment, do). */
      deploymentPipelinePattern: regex.optional(),
    }).strict().optional(),
    /** Jira / Jira Service Management incidents: webhooks at /webhooks/jira (JIRA_WEBHOOK_SECRET). docs/sources/jira.md. */
    jira: z.object({
      /** Site URL, e.g. https://acme.atlassian.net (links to issues). */
      baseUrl: z.url().optional(),
      /** Project keys whose issues are measured (empty: every project that sends). */
      projects: z.array(z.string().regex(/^[A-Z][A-Z0-9_]+$/, 'expected a Jira project key such as OPS')).default([]),
      /** Issue types that are incidents (case-insensitive). */
      issueTypes: z.array(z.string().min(1)).default(['Incident']),
      /** Where the affected service is named: `components` (the first component) or a field id such as customfield_10050. */
      serviceField: z.string().min(1).default('components'),
      /** Field holding the severity: `priority`, or a field id such as customfield_10044 (Jira Service Management's Severity). */
      severityField: z.string().min(1).default('priority'),
      /** Field holding deployment references (text; several separated by commas), e.g. customfield_10060. */
      deploymentField: z.string().min(1).optional(),
    }).strict().optional(),
    pagerduty: z.object({ enabled: z.boolean().default(true) }).strict().optional(),
    opsgenie: z.object({ enabled: z.boolean().default(true) }).strict().optional(),
    // Sections of other source plugins are validated by their own schema when the config is loaded,
    // and an unknown section is refused there (tools/runtime/src/config.ts, ingest/src/sources).
  }).catchall(z.unknown()).default({}),

  catalog: z.object({
    /** Folders searched for Backstage `catalog-info.yaml` files. */
    backstagePaths: z.array(z.string()).default([]),
    /** Read `catalog-info.yaml` from repositories through the GitHub API during backfill. */
    backstageFromRepos: z.boolean().default(true),
    services: z.array(ServiceMapping).default([]),
    teams: z.array(Team).default([]),
    /**
     * Monorepo paths whose commits count for every service of their repository (shared libraries,
     * e.g. `libs/`); `repo` limits one to a repository (omit: every repository). docs/metrics.md, "Change set".
     */
    sharedPaths: z.array(SharedPath).default([]),
  }).strict().default({ backstagePaths: [], backstageFromRepos: true, services: [], teams: [], sharedPaths: [] }),

  metrics: z.object({
    /** Environments matching this (case-insensitive) are production. */
    productionPattern: regex.default('^(prod|production)$'),
    /** Environment assumed when a deployment names none. */
    defaultEnvironment: z.string().default('production'),
    /** Link incidents to the latest deployment of their service opened within this window. */
    inferIncidentLinks: z.boolean().default(true),
    inferenceWindowHours: z.number().positive().max(24 * 14).default(24),
    /** PR labels marking unplanned fixes (rework). */
    fixLabels: z.array(z.string()).default(['hotfix', 'bug', 'fix']),
    benchmarkProfile: z.enum(['2023', '2024']).default('2023'),
    /** Deployments whose workflow name or creator match go through the platform's pipelines. */
    platformPipelines: z.object({
      workflowPattern: regex.optional(),
      creators: z.array(z.string()).default([]),
    }).strict().default({ creators: [] }),
    /** Transform schedule (cron, UTC). */
    transformSchedule: z.string().default('*/5 * * * *'),
  }).strict().default({
    productionPattern: '^(prod|production)$', defaultEnvironment: 'production', inferIncidentLinks: true,
    inferenceWindowHours: 24, fixLabels: ['hotfix', 'bug', 'fix'], benchmarkProfile: '2023',
    platformPipelines: { creators: [] }, transformSchedule: '*/5 * * * *',
  }),

  digest: z.object({
    /** node-cron expression; default Monday 09:00. */
    schedule: z.string().default('0 9 * * 1'),
    timezone: z.string().default('UTC'),
    channels: z.array(z.enum(['slack', 'email', 'archive'])).default(['archive']),
    /** Email recipients of the organisation digest; team digests go to `teamRecipients`. */
    emailTo: z.array(z.email()).default([]),
    emailFrom: z.string().default('Paved <paved@localhost>'),
    teamRecipients: z.record(z.string(), z.array(z.email())).default({}),
  }).strict().default({ schedule: '0 9 * * 1', timezone: 'UTC', channels: ['archive'], emailTo: [], emailFrom: 'Paved <paved@localhost>', teamRecipients: {} }),

  roi: z.object({
    /** Loaded cost of one engineering hour, in `currency`. */
    costPerEngineeringHour: z.number().positive().default(100),
    currency: z.string().length(3).default('USD'),
    workingWeeksPerYear: z.number().positive().max(52).default(46),
    /** People pulled into recovering one failed deployment. */
    peopleInvolvedPerFailure: z.number().positive().default(2),
  }).strict().default({ costPerEngineeringHour: 100, currency: 'USD', workingWeeksPerYear: 46, peopleInvolvedPerFailure: 2 }),

  surveys: z.object({
    /** Groups with fewer respondents are never shown. Never below 3. */
    minGroupSize: z.number().int().min(3, 'minGroupSize below 3 would let answers be traced to people; use 3 or more').default(5),
    /** Public base URL for invite links. */
    publicUrl: z.url().optional(),
    /**
     * Survey driver id → the measured metrics it speaks to, for the joined per-team view (replaces
     * the built-in mapping for the drivers listed; an empty list unlinks a driver).
     */
    metricMapping: z.record(
      z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'driver ids use lower-case letters, digits, - and _'),
      z.array(z.enum(['pickupTime', 'deploymentFrequency', 'leadTime', 'changeFailureRate', 'reworkRate', 'recovery'])),
    ).optional(),
  }).strict().default({ minGroupSize: 5 }),

  initiatives: z.array(z.object({
    name: z.string().min(1),
    start: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
    teams: z.array(z.string()).default([]),
    services: z.array(z.string()).default([]),
  }).strict()).default([]),

  auth: z.object({
    /**
     * OpenID Connect sign-in. With it Paved may listen beyond loopback; every page and API needs a
     * session (or the admin token), and admin actions need the admin role. The client secret comes
     * from OIDC_CLIENT_SECRET (none: a public client with PKCE).
     */
    oidc: z.object({
      issuer: z.url(),
      clientId: z.string().min(1),
      /** The address people open Paved at; the provider redirects back to `<publicUrl>/auth/callback`. Default: http://<host>:<port>. */
      publicUrl: z.url().optional(),
      scopes: z.array(z.string().min(1)).default(['openid', 'email', 'profile']),
      /** Claim (in the ID token or userinfo) holding roles or groups: a list or a space-separated string. */
      rolesClaim: z.string().default('groups'),
      /** Values of rolesClaim that make a person admin. */
      adminValues: z.array(z.string()).default(['paved-admin']),
      /** Verified e-mail addresses that are admin whatever their claims say. */
      adminEmails: z.array(z.string()).default([]),
      /** Values of rolesClaim that may view. Empty with viewerEmails empty: everyone the provider signs in may view. */
      viewerValues: z.array(z.string()).default([]),
      viewerEmails: z.array(z.string()).default([]),
      /** How long a sign-in lasts before the provider is asked again. */
      sessionHours: z.number().positive().max(24 * 30).default(12),
    }).strict().optional(),
  }).strict().default({}),

  clickhouse: z.object({
    /** Cluster name: migrations run ON CLUSTER with Replicated engines and Distributed tables. */
    cluster: z.string().optional(),
  }).strict().default({}),

  bus: z.object({
    /** Partitions of the canonical-events topic. */
    partitions: z.number().int().positive().default(6),
    topicPrefix: z.string().default('paved'),
  }).strict().default({ partitions: 6, topicPrefix: 'paved' }),
}).strict();
export type PavedConfig = z.infer<typeof PavedConfig>;

/** Environment variables: every secret comes from here, never from the config file. */
export const PavedEnv = z.object({
  PAVED_CONFIG: z.string().default('paved.config.yaml'),
  PAVED_DATA_DIR: z.string().default('.paved'),
  /** Embedded warehouse: its memory ceiling in MiB, queries and caches together (default 1024; docs/operations.md). */
  PAVED_EMBEDDED_MEMORY_MB: z.coerce.number().int('a whole number of MiB').min(256, 'at least 256 (MiB)').optional(),
  PAVED_DEMO: z.enum(['0', '1', 'false', 'true']).optional(),
  PORT: z.coerce.number().int().min(1).max(65535).optional(),
  HOST: z.string().optional(),
  CLICKHOUSE_URL: z.url().optional(),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and _ only').optional(),
  KAFKA_BROKERS: z.string().optional(),
  /** Which Kafka client the bus uses: kafkajs (default) or @platformatic/kafka (docs/operations.md, "Kafka client"). */
  PAVED_KAFKA_CLIENT: z.enum(['kafkajs', 'platformatic'], { error: 'PAVED_KAFKA_CLIENT must be kafkajs or platformatic' }).optional(),
  GITHUB_TOKEN: z.string().optional(),
  GITHUB_APP_ID: z.string().optional(),
  GITHUB_APP_PRIVATE_KEY: z.string().optional(),
  GITHUB_WEBHOOK_SECRET: z.string().optional(),
  /** GitLab API token (read_api); sources.gitlab.tokenEnv names another variable if set. */
  GITLAB_TOKEN: z.string().optional(),
  /** The secret token GitLab sends as X-Gitlab-Token (the webhook's "Secret token"). */
  GITLAB_WEBHOOK_TOKEN: z.string().optional(),
  /** Jira admin webhook secret: verifies X-Hub-Signature (Cloud), or the `token` query parameter (Data Center). */
  JIRA_WEBHOOK_SECRET: z.string().optional(),
  /** Jira account e-mail for `paved backfill jira` (basic auth with JIRA_API_TOKEN). */
  JIRA_EMAIL: z.string().optional(),
  /** Jira Cloud API token of that account (id.atlassian.com → Security → API tokens) for `paved backfill jira`. */
  JIRA_API_TOKEN: z.string().optional(),
  PAGERDUTY_WEBHOOK_SECRET: z.string().optional(),
  /** PagerDuty REST API key (not read-only) for `paved connect pagerduty`, which creates the webhook subscription. */
  PAGERDUTY_API_KEY: z.string().optional(),
  OPSGENIE_WEBHOOK_TOKEN: z.string().optional(),
  /** Opsgenie API key with Configuration access for `paved connect opsgenie`, which creates the Webhook integration. */
  OPSGENIE_API_KEY: z.string().optional(),
  PAVED_WEBHOOK_TOKEN: z.string().optional(),
  PAVED_WEBHOOK_HMAC_SECRET: z.string().optional(),
  PAVED_ADMIN_TOKEN: z.string().optional(),
  SURVEY_TOKEN_SECRET: z.string().optional(),
  SLACK_WEBHOOK_URL: z.string().optional(),
  SMTP_URL: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  /** Seals sign-in session cookies (any long random string); without it one is generated under the data directory. */
  PAVED_SESSION_SECRET: z.string().min(32, 'use at least 32 random characters, e.g. `openssl rand -base64 32`').optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});
export type PavedEnv = z.infer<typeof PavedEnv>;

/** Env variable names whose values must never be logged. */
export const SECRET_ENV = [
  'CLICKHOUSE_PASSWORD', 'GITHUB_TOKEN', 'GITHUB_APP_PRIVATE_KEY', 'GITHUB_WEBHOOK_SECRET', 'GITLAB_TOKEN', 'GITLAB_WEBHOOK_TOKEN', 'JIRA_WEBHOOK_SECRET', 'JIRA_API_TOKEN', 'PAGERDUTY_WEBHOOK_SECRET', 'PAGERDUTY_API_KEY',
  'OPSGENIE_WEBHOOK_TOKEN', 'OPSGENIE_API_KEY', 'PAVED_WEBHOOK_TOKEN', 'PAVED_WEBHOOK_HMAC_SECRET', 'PAVED_ADMIN_TOKEN',
  'SURVEY_TOKEN_SECRET', 'SLACK_WEBHOOK_URL', 'SMTP_URL', 'OIDC_CLIENT_SECRET', 'PAVED_SESSION_SECRET',
] as const;

/** Formats zod issues as `key.path: problem (got VALUE)` lines a person can act on. */
export function describeIssues(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    const got = valueAt(input, issue.path);
    const shown = got === undefined ? '' : ` (got ${shownValue(got)})`;
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove or fix the spelling`;
    return `${path}: ${message}${issue.code === 'unrecognized_keys' ? '' : shown}`;
  });
}

/** A value as JSON, cut short; a value that contains itself (a circular YAML alias) is said to be one. */
function shownValue(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 80) ?? String(value);
  } catch {
    return 'a value that contains itself: a circular YAML alias; write the value out instead of the alias';
  }
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
