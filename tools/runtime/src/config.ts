import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type NormaliseContext, type SourceRegistry, sources as registeredSources } from '@paved/ingest';
import { describeIssues, PavedConfig, PavedEnv } from '@paved/schemas';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { withStoredWebhookSecrets } from './webhook-secrets.js';

export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: PavedConfig;
  env: PavedEnv;
  /** The file read, or null when none exists (defaults apply). */
  file: string | null;
}

/** Validates the environment; a bad value names the variable and the fix. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env, registry: SourceRegistry = registeredSources): PavedEnv {
  const parsed = PavedEnv.safeParse(source);
  if (!parsed.success) throw new ConfigError('environment', describeIssues(parsed.error, source));
  // The secrets a source plugin's webhook routes name (SHIPIT_WEBHOOK_TOKEN...) pass through as text.
  const declared = registry.routes.flatMap(({ route }) => route.secrets).filter((name) => !(name in parsed.data) && typeof source[name] === 'string');
  return Object.assign(parsed.data, Object.fromEntries(declared.map((name) => [name, source[name]])));
}

/** Reads `paved.config.yaml` (or PAVED_CONFIG). A missing default file means defaults; a missing explicit file is an error. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): LoadedConfig {
  // An empty variable means "not set" (as compose files and shells often pass them).
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== '')) as NodeJS.ProcessEnv;
  // Webhook secrets `paved connect` stored in the data directory count as set (the environment wins).
  const env = withStoredWebhookSecrets(loadEnv(cleaned));
  const file = resolve(env.PAVED_CONFIG);
  if (!existsSync(file)) {
    if (cleaned.PAVED_CONFIG) throw new ConfigError(file, [`PAVED_CONFIG points to ${file}, which does not exist: fix the path or unset PAVED_CONFIG`]);
    return { config: PavedConfig.parse({}), env, file: null };
  }
  if (statSync(file).isDirectory()) throw new ConfigError(file, [`${file} is a directory: point PAVED_CONFIG at the paved.config.yaml file`]);
  return { config: parseConfigText(readFileSync(file, 'utf8'), file), env, file };
}

export function parseConfigText(text: string, file = 'paved.config.yaml'): PavedConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0] ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : 'unknown position';
      throw new ConfigError(file, [`YAML syntax error at ${where}: ${error.message.split('\n')[0]}`]);
    }
    throw error;
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(file, ['(top level): expected a mapping of settings (key: value)']);
  const circle = circularKey(raw);
  if (circle !== null) {
    throw new ConfigError(file, [`${circle}: a YAML alias refers to a mapping or list that contains it (a circular alias); write the value out instead of the alias`]);
  }
  const parsed = PavedConfig.safeParse(raw);
  if (!parsed.success) throw new ConfigError(file, describeIssues(parsed.error, raw));
  const problems = sourceSectionProblems(parsed.data, raw as { sources?: Record<string, unknown> });
  if (problems.length) throw new ConfigError(file, problems);
  return parsed.data;
}

/**
 * `sources.<id>` sections PavedConfig does not describe itself: each must belong to a registered
 * source plugin with settings, and is validated (and given its defaults) by that plugin's schema.
 */
export function sourceSectionProblems(config: PavedConfig, raw: { sources?: Record<string, unknown> }, registry: SourceRegistry = registeredSources): string[] {
  const described = new Set(Object.keys(PavedConfig.shape.sources.unwrap().shape));
  const sections = config.sources as Record<string, unknown>;
  const unknown = Object.keys(sections).filter((id) => !described.has(id) && !registry.source(id)?.config);
  if (unknown.length) return [`sources: unknown key(s) ${unknown.map((k) => `"${k}"`).join(', ')}: remove or fix the spelling`];
  const problems: string[] = [];
  for (const id of Object.keys(sections).filter((key) => !described.has(key))) {
    const parsed = registry.source(id)!.config!.safeParse(sections[id]);
    if (parsed.success) sections[id] = parsed.data;
    else problems.push(...describeIssues(parsed.error, raw.sources?.[id]).map((line) => (line.startsWith('(top level)') ? `sources.${id}${line.slice('(top level)'.length)}` : `sources.${id}.${line}`)));
  }
  return problems;
}

/** The dotted key where a value contains itself (YAML aliases can build such loops), or null when none does. */
function circularKey(value: unknown, path: string[] = [], ancestors: unknown[] = []): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const entries = Array.isArray(value) ? value.map((item, index) => [`[${index}]`, item] as const) : Object.entries(value);
  for (const [key, child] of entries) {
    const childPath = key.startsWith('[') ? [...path.slice(0, -1), `${path.at(-1) ?? ''}${key}`] : [...path, key];
    if (ancestors.includes(child) || child === value) return childPath.join('.');
    const found = circularKey(child, childPath, [...ancestors, value]);
    if (found !== null) return found;
  }
  return null;
}

/** True when nothing real is configured: `paved start` then loads the demo organisation. */
export function hasConfiguredSources(config: PavedConfig, env: PavedEnv): boolean {
  return Boolean(
    config.sources.github?.org || config.sources.github?.repos.length || config.catalog.services.length || env.GITHUB_TOKEN || env.GITHUB_WEBHOOK_SECRET
    || config.sources.gitlab || config.sources.jira || env.GITLAB_WEBHOOK_TOKEN || env.JIRA_WEBHOOK_SECRET,
  );
}

/** The normalisers' settings from the config (incident label, default environment, deployment workflows). */
export function normaliseContextOf(config: PavedConfig): NormaliseContext {
  const pattern = config.sources.github?.deploymentWorkflowPattern;
  return {
    incidentLabel: config.sources.github?.incidentLabel ?? 'incident',
    defaultEnvironment: config.metrics.defaultEnvironment,
    ...(pattern ? { deploymentWorkflowPattern: new RegExp(pattern, 'i') } : {}),
    ...(config.sources.gitlab ? { gitlabIncidentLabel: config.sources.gitlab.incidentLabel, gitlabApiUrl: config.sources.gitlab.apiUrl } : {}),
    ...(config.sources.gitlab?.deploymentPipelinePattern ? { gitlabDeploymentPipelinePattern: new RegExp(config.sources.gitlab.deploymentPipelinePattern, 'i') } : {}),
    ...(config.sources.jira ? { jira: config.sources.jira } : {}),
  };
}
