import { repoPath, type GithubApi } from './api.js';
import { RestCompare } from './backfill-objects.js';

const PER_PAGE = 100;
/** Compare pages per pair (100 commits each): a larger gap is stored as incomplete and the push chain decides. */
export const MAX_COMPARE_PAGES = 5;

/**
 * GitHub's compare `base...head` with every page of its commits (up to MAX_COMPARE_PAGES), as
 * backfill and the live compare enrichment fetch it; null when GitHub knows neither sha any more
 * (or answered something else than a compare, reported through `unexpected`).
 */
export async function fetchCompare(
  api: GithubApi, repo: string, base: string, head: string, unexpected: (path: string, problem: string | undefined) => void = () => {},
): Promise<RestCompare | null> {
  const path = `${repoPath(repo)}/compare/${base}...${head}?per_page=${PER_PAGE}`;
  let page = await api.get(path);
  if (!page.modified || page.data === null) return null;
  const first = RestCompare.safeParse(page.data);
  if (!first.success) {
    unexpected(path, first.error.issues[0]?.message);
    return null;
  }
  const commits = [...first.data.commits];
  for (let pages = 1; page.next && commits.length < first.data.total_commits && pages < MAX_COMPARE_PAGES; pages += 1) {
    page = await api.get(page.next);
    if (!page.modified || page.data === null) break;
    const more = RestCompare.safeParse(page.data);
    if (!more.success) break;
    commits.push(...more.data.commits);
  }
  return { ...first.data, commits };
}
