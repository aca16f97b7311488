import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CanonicalEvent, SCHEMA_VERSION, describeIssues } from '@paved/schemas';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

/*
 * Backstage `catalog-info.yaml` files → catalog_entity events (source `catalog`). Only `kind:
 * Component` describes a service; other kinds (System, API, Group, Location, ...) are skipped.
 * A file that cannot be used is reported (file, document, problem) and never stops the others.
 */

export interface CatalogProblem {
  file: string;
  /** Index of the YAML document in the file (0-based), or null when the whole file is the problem. */
  document: number | null;
  problem: string;
}

export interface CatalogRead {
  events: CanonicalEvent[];
  problems: CatalogProblem[];
}

const FILE_NAMES = new Set(['catalog-info.yaml', 'catalog-info.yml']);
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', '.next', '.paved']);

const AnnotationValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/** A Backstage Component entity, as much of it as Paved reads (everything else is allowed and ignored). */
export const BackstageComponent = z.object({
  apiVersion: z.string().regex(/^backstage\.io\/v1(alpha1|beta1)?$/, 'expected backstage.io/v1alpha1'),
  kind: z.literal('Component'),
  metadata: z.looseObject({
    name: z.string().min(1).max(63).regex(/^[A-Za-z0-9]+([-_.][A-Za-z0-9]+)*$/, 'expected letters and digits separated by - _ or . (Backstage entity name)'),
    annotations: z.record(z.string(), AnnotationValue).default({}),
    tags: z.array(z.string()).default([]),
  }),
  spec: z.looseObject({
    type: z.string().min(1),
    lifecycle: z.string().min(1),
    owner: z.string().min(1),
    system: z.string().min(1).optional(),
  }),
});
export type BackstageComponent = z.infer<typeof BackstageComponent>;

export const SOURCE_TEMPLATE = 'backstage.io/source-template';
export const PROJECT_SLUG = 'github.com/project-slug';
export const SOURCE_LOCATION = 'backstage.io/source-location';
/** Backstage's GitLab plugin: `group/subgroup/project`, the GitLab project the component lives in. */
export const GITLAB_PROJECT_SLUG = 'gitlab.com/project-slug';
const REPO = /^[^/\s]+\/[^/\s]+$/;
const GITLAB_PROJECT = /^[^/\s]+(\/[^/\s]+)+$/;

/** Where a file came from: its name in reports, and the repository it was read from, if any. */
export interface CatalogOrigin {
  file: string;
  /** `owner/name` of the repository holding the file (backfill), used when the entity names none. */
  repo?: string | null;
}

/** Catalog events of every Component in one (multi-document) YAML text. */
export function catalogEventsFromYaml(text: string, origin: CatalogOrigin, now = new Date()): CatalogRead {
  const events: CanonicalEvent[] = [];
  const problems: CatalogProblem[] = [];
  const problem = (document: number | null, message: string): void => {
    problems.push({ file: origin.file, document, problem: message });
  };
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) return { events, problems };
  documents.forEach((document, index) => {
    const syntax = document.errors[0];
    if (syntax) {
      const where = syntax.linePos?.[0] ? `line ${syntax.linePos[0].line}, column ${syntax.linePos[0].col}` : 'unknown position';
      problem(index, `YAML syntax error at ${where}: ${syntax.message.split('\n')[0]}`);
      return;
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) return problem(index, 'expected a Backstage entity (a mapping with apiVersion, kind, metadata, spec)');
    const kind = (value as { kind?: unknown }).kind;
    if (kind === undefined) return problem(index, 'kind: missing (expected Component, System, API, ...)');
    if (kind !== 'Component') return;
    const parsed = BackstageComponent.safeParse(value);
    if (!parsed.success) return problem(index, describeIssues(parsed.error, value).join('; '));
    const event = componentEvent(parsed.data, origin, index, now);
    if (typeof event === 'string') return problem(index, event);
    events.push(event);
  });
  return { events, problems };
}

/** Every catalog-info.yaml/yml under the given folders (recursively), as catalog events. */
export function catalogEventsFromFolders(paths: string[], now = new Date()): CatalogRead {
  const events: CanonicalEvent[] = [];
  const problems: CatalogProblem[] = [];
  const definedIn = new Map<string, string>();
  for (const root of paths) {
    let files: string[];
    try {
      files = catalogFiles(root);
    } catch (error) {
      problems.push({ file: root, document: null, problem: `cannot read the folder: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message} (check catalog.backstagePaths)` });
      continue;
    }
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        problems.push({ file, document: null, problem: `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
        continue;
      }
      const read = catalogEventsFromYaml(text, { file }, now);
      problems.push(...read.problems);
      for (const event of read.events) {
        const service = event.type === 'catalog_entity' ? event.data.service : '';
        const first = definedIn.get(service);
        if (first) {
          problems.push({ file, document: null, problem: `component "${service}" is already defined in ${first}; this definition is ignored` });
          continue;
        }
        definedIn.set(service, file);
        events.push(event);
      }
    }
  }
  return { events, problems };
}

/** catalog-info.yaml/yml files under `root` (or `root` itself when it is such a file), sorted. */
function catalogFiles(root: string): string[] {
  if (statSync(root).isFile()) return [root];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.isFile() && FILE_NAMES.has(entry.name)) {
        found.push(join(dir, entry.name));
      }
    }
  };
  walk(root);
  return found;
}

function componentEvent(component: BackstageComponent, origin: CatalogOrigin, index: number, now: Date): CanonicalEvent | string {
  const annotations = component.metadata.annotations;
  const slug = annotations[PROJECT_SLUG]?.trim();
  if (slug !== undefined && !REPO.test(slug)) return `metadata.annotations["${PROJECT_SLUG}"]: expected owner/name (got ${JSON.stringify(slug)})`;
  const gitlabSlug = annotations[GITLAB_PROJECT_SLUG]?.trim();
  if (gitlabSlug !== undefined && !GITLAB_PROJECT.test(gitlabSlug)) return `metadata.annotations["${GITLAB_PROJECT_SLUG}"]: expected group/project or group/subgroup/project (got ${JSON.stringify(gitlabSlug)})`;
  const location = annotations[SOURCE_LOCATION] ? sourceLocation(annotations[SOURCE_LOCATION]) : null;
  if (annotations[SOURCE_LOCATION] && !location) return `metadata.annotations["${SOURCE_LOCATION}"]: expected url:https://HOST/owner/name[/tree/BRANCH/PATH] (got ${JSON.stringify(annotations[SOURCE_LOCATION])})`;
  const repo = slug ?? gitlabSlug ?? location?.repo ?? origin.repo ?? null;
  // A monorepo component's path comes from its source location, when that points into the same repository.
  const path = location && location.repo.toLowerCase() === repo?.toLowerCase() ? location.path : null;
  const stamp = now.toISOString();
  const data = {
    service: component.metadata.name,
    team: entityRefName(component.spec.owner, 'group'),
    tier: tierOf(annotations, component.metadata.tags),
    repo,
    path,
    lifecycle: component.spec.lifecycle,
    system: component.spec.system ? entityRefName(component.spec.system, 'system') : null,
    annotations,
    source_template: annotations[SOURCE_TEMPLATE] ?? null,
    created_at: null,
  };
  // The id depends on the content only: reading an unchanged file again yields the same event id.
  const digest = createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 16);
  const parsed = CanonicalEvent.safeParse({
    id: `catalog:backstage:${data.service}:${digest}`, source: 'catalog', type: 'catalog_entity', occurred_at: stamp, received_at: stamp,
    schema_version: SCHEMA_VERSION, raw: { delivery_id: `backstage:${origin.repo ? `${origin.repo}:` : ''}${origin.file}#${index}`, event: 'catalog-info.yaml' },
    data: { ...data, updated_at: stamp },
  });
  if (!parsed.success) return describeIssues(parsed.error, data).join('; ');
  return parsed.data;
}

/** `group:default/payments`, `group:payments`, `default/payments` and `payments` all name the team `payments`. */
export function entityRefName(ref: string, kind: string): string {
  const withoutKind = ref.trim().replace(new RegExp(`^${kind}:`, 'i'), '');
  return withoutKind.replace(/^default\//, '');
}

/** `url:https://github.com/acme/mono/tree/main/services/billing/` → acme/mono + services/billing. */
export function sourceLocation(value: string): { repo: string; path: string | null } | null {
  let url: URL;
  try {
    url = new URL(value.trim().replace(/^url:/, ''));
  } catch {
    return null;
  }
  // GitLab: https://gitlab.example.com/group/subgroup/project/-/tree/main/services/billing (groups nest).
  const gitlab = /^\/(.+?)\/-\/(?:tree|blob)\/[^/]+(?:\/(.+?))?\/?$/.exec(url.pathname);
  if (gitlab?.[1]) return { repo: gitlab[1].replace(/\.git$/, ''), path: gitlab[2] ?? null };
  const [owner, name, mode, _branch, ...rest] = url.pathname.split('/').filter(Boolean);
  if (!owner || !name) return null;
  const path = (mode === 'tree' || mode === 'blob') && rest.length ? rest.join('/') : null;
  return { repo: `${owner}/${name.replace(/\.git$/, '')}`, path };
}

/** A tier annotation (`paved.dev/tier`, any `*\/tier`, or `tier`), else a `tier-1`-style tag. */
function tierOf(annotations: Record<string, string>, tags: string[]): string | null {
  for (const [key, value] of Object.entries(annotations)) if (key === 'tier' || key.endsWith('/tier')) return value;
  return tags.find((tag) => /^tier[-_]?[a-z0-9]+$/i.test(tag)) ?? null;
}
