import { genericSource } from '../generic/source.js';
import { githubSource } from '../github/source.js';
import { gitlabSource } from '../gitlab/source.js';
import { jiraSource } from '../jira/source.js';
import { opsgenieSource } from '../opsgenie/source.js';
import { pagerdutySource } from '../pagerduty/source.js';
import { SourceRegistry } from './registry.js';

export * from './contract.js';
export { SourceRegistry, type RegisteredRoute } from './registry.js';

/** Every source Paved ships: adding one is its folder plus one line here (docs/sources/adding-a-source.md). */
export const sources = new SourceRegistry([
  githubSource,
  gitlabSource,
  jiraSource,
  pagerdutySource,
  opsgenieSource,
  genericSource,
]);
