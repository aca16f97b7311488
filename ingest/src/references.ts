/*
 * How an incident may name the deployment that caused it (docs/metrics.md, "Incident references").
 * Normalisers write every reference in one of the forms the failure-link SQL
 * (transform/src/metrics/sql-links.ts) resolves:
 *
 *   github:owner/repo:9000082           Paved's own id (any source), kept as written
 *   owner/repo:9000082                  the source's own id within a repository (GitHub deployment id
 *                                       or Actions run id); written so for `owner/repo#9000082`, for a
 *                                       bare `9000082` on an incident that knows its repository, and
 *                                       for deployment API URLs
 *   9000082                             the source's own id without a repository
 *   actions:owner/repo:run/42           an Actions run URL (https://github.com/owner/repo/actions/runs/42)
 *   https://…                           any other URL: the deployment whose recorded URL it is
 *   3f2a9c1 / owner/repo:3f2a9c1        a sha prefix (7 to 40 hex): the latest production deployment
 *                                       of that commit before the incident opened
 *
 * A value of 7 or more digits is both a possible id and a possible sha prefix: the SQL tries it
 * as an id first and as a sha prefix only when no deployment has that id.
 */

const REPO = '[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+';
const QUALIFIED = new RegExp(`^(${REPO})[:#@](\\w+)$`);
const API_PATH = /^(?:\/api\/v3)?\/repos\/([^/]+\/[^/]+)\/deployments\/(\d+)(?:\/statuses(?:\/\d+)?)?\/?$/;
const RUN_PATH = /^\/([^/]+\/[^/]+)\/actions\/runs\/(\d+)(?:\/.*)?$/;
const HEX = /^[0-9a-f]{7,40}$/i;

/** One reference as written (`9000082`, a URL, `owner/repo#42`, a sha...) in the form the SQL resolves. */
export function deploymentReference(written: string, repo?: string | null): string | undefined {
  const value = unwrap(written);
  if (!value) return undefined;
  if (/^https?:\/\//i.test(value)) return urlReference(value);
  const qualified = QUALIFIED.exec(value);
  if (qualified && (/^\d+$/.test(qualified[2]!) || HEX.test(qualified[2]!))) return `${qualified[1]}:${qualified[2]!.toLowerCase()}`;
  if (/^\d+$/.test(value)) return repo && repo !== 'unknown' ? `${repo}:${value}` : value;
  if (HEX.test(value)) return value.toLowerCase();
  return value;
}

/** Every reference of a list, in resolvable form, without duplicates. */
export function deploymentReferences(written: readonly string[], repo?: string | null): string[] {
  return [...new Set(written.flatMap((value) => deploymentReference(value, repo) ?? []))];
}

function urlReference(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  const api = API_PATH.exec(url.pathname);
  if (api) return `${decodeURIComponent(api[1]!)}:${api[2]}`;
  const run = RUN_PATH.exec(url.pathname);
  if (run) return `actions:${decodeURIComponent(run[1]!)}:run/${run[2]}`;
  return value;
}

/** Markdown around a value: `<url>`, `[text](url)`, backticks, a trailing full stop or bracket. */
function unwrap(written: string): string {
  let value = written.trim().replace(/[.,;]+$/, '');
  const link = /^\[[^\]]*\]\(([^)\s]+)\)$/.exec(value);
  if (link) value = link[1]!;
  value = value.replace(/^[<`'"(]+/, '').replace(/[>`'".,;:)]+$/, '');
  return value.trim();
}
