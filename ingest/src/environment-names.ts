/**
 * The environment a CI run's name spells out ("Deploy to staging", "deploy-prod", "Deploy pre-prod"),
 * for sources whose deployments are workflow runs or pipelines that carry no environment of their
 * own (GitHub Actions, GitLab pipelines). One list, so every source reads the same name the same way.
 */
const ENVIRONMENT_WORDS: Record<string, string> = {
  preprod: 'preprod', production: 'production', prod: 'production', staging: 'staging', stage: 'staging',
  stg: 'staging', development: 'development', dev: 'development', qa: 'qa', uat: 'uat', sandbox: 'sandbox',
};

/** The first word of `runName` that names an environment, as its canonical name; undefined if none does. */
export function environmentNamedIn(runName: string): string | undefined {
  const words = runName.toLowerCase().replace(/pre[-_ ]prod(uction)?/g, 'preprod').split(/[^a-z0-9]+/);
  for (const word of words) {
    const environment = ENVIRONMENT_WORDS[word];
    if (environment) return environment;
  }
  return undefined;
}
