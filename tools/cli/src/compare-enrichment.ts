import { type Bus, GithubApi, githubAuthOf, type Logger, type NormaliseContext } from '@paved/ingest';
import type { PavedConfig, PavedEnv } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';
import { CompareEnrichment, type Scheduler } from '@paved/transform';

/**
 * The compare enrichment job of `paved start` and `paved transform` (docs/metrics.md, "Change set"):
 * only with GitHub credentials (GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY). Null without them.
 */
export async function compareEnrichmentOf(
  config: PavedConfig, env: PavedEnv, deps: { warehouse: Warehouse; bus: Bus; context: NormaliseContext; log: Logger; scheduler: Scheduler },
): Promise<CompareEnrichment | null> {
  const github = config.sources.github;
  const repos = github?.repos ?? [];
  if (!githubCredentialsConfigured(config, env)) return null;
  try {
    const api = await GithubApi.connect({ apiUrl: github?.apiUrl ?? 'https://api.github.com', auth: githubAuthOf(env, github?.org, repos), log: deps.log });
    return new CompareEnrichment({ ...deps, api, productionPattern: config.metrics.productionPattern });
  } catch (error) {
    deps.log('warn', 'compare enrichment is off: GitHub did not accept the configured credentials', { error: (error as Error).message });
    return null;
  }
}

/** A token, or a GitHub App with the organisation or a repository to find its installation by. */
export function githubCredentialsConfigured(config: PavedConfig, env: PavedEnv): boolean {
  const github = config.sources.github;
  return Boolean(env.GITHUB_TOKEN || (env.GITHUB_APP_ID && env.GITHUB_APP_PRIVATE_KEY && (github?.org || github?.repos.length)));
}
