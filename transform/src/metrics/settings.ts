import type { PavedConfig } from '@paved/schemas';

/** The metric definitions' settings, from `metrics:` in paved.config.yaml. */
export interface MetricSettings {
  productionPattern: string;
  inferIncidentLinks: boolean;
  inferenceWindowHours: number;
  fixLabels: string[];
  platformWorkflowPattern: string;
  platformCreators: string[];
  /** `catalog.sharedPaths`: paths whose commits count for every service of their repository (repo null: every repository). */
  sharedPaths: { repo: string | null; path: string }[];
}

export const defaultMetricSettings: MetricSettings = {
  productionPattern: '^(prod|production)$',
  inferIncidentLinks: true,
  inferenceWindowHours: 24,
  fixLabels: ['hotfix', 'bug', 'fix'],
  platformWorkflowPattern: '',
  platformCreators: [],
  sharedPaths: [],
};

export function metricSettingsOf(config: PavedConfig): MetricSettings {
  return {
    productionPattern: config.metrics.productionPattern,
    inferIncidentLinks: config.metrics.inferIncidentLinks,
    inferenceWindowHours: config.metrics.inferenceWindowHours,
    fixLabels: config.metrics.fixLabels,
    platformWorkflowPattern: config.metrics.platformPipelines.workflowPattern ?? '',
    platformCreators: config.metrics.platformPipelines.creators,
    sharedPaths: config.catalog.sharedPaths.map((shared) => ({ repo: shared.repo ?? null, path: shared.path })),
  };
}
