/**
 * The public API of @paved/transform: the metrics. Metric SQL and the reads every consumer uses, the
 * transform runner (incremental and full) and its schedule, and the settings they read (metric settings,
 * overrides, ROI assumptions and developer counts); plus, for now, compare enrichment. The warehouse is
 * @paved/warehouse, the sink and dead letters @paved/pipeline, roadmap/ROI/digests @paved/insights, the
 * process's configuration and sessions @paved/runtime. Other packages import from here only (`pnpm lint`).
 */
export { CompareEnrichment } from './compare-enrichment.js';
export { adoptionMetrics } from './metrics/adoption.js';
export { effectiveAssumptions, loadAssumptions, readRoiOverrides, RoiAssumptionsInput, setRoiAssumptions } from './metrics/assumptions.js';
export type { Assumptions } from './metrics/assumptions.js';
export { changeSetAttributionHealth } from './metrics/attribution.js';
export { ALL_HISTORY, campaignWindowOf, estimatedDevelopers, SERVICE_CATALOG_CTE, serviceCatalog, teamDevelopers } from './metrics/catalog.js';
export type { DeveloperSource, TeamDevelopers } from './metrics/catalog.js';
export { dayStart, doraMetrics, DoraQuery, doraResultOf, doraWindow, lastNinetyDays, scopeParams, scopeWhere, WINDOW } from './metrics/dora.js';
export type { DoraResult, DoraRow, PerServiceRow, Scope } from './metrics/dora.js';
export { dataHealth, deployments, doraSeries, explain, ranking, scopeOptions } from './metrics/explore.js';
export type { DeploymentRow, Explanation, RankingRow, SeriesPoint, Window } from './metrics/explore.js';
export { flowMetrics } from './metrics/flow.js';
export { incidentFilterOptions, incidentsInWindow } from './metrics/incidents.js';
export type { IncidentsResult, IncidentWithLinks } from './metrics/incidents.js';
export { changesOfRows, emptyChanges, mergeChanges, runIncrement } from './metrics/increment.js';
export { changeFailureRateLevel, deploymentFrequencyLevel, leadTimeLevel, PROFILES, recoveryLevel } from './metrics/levels.js';
export type { BenchmarkProfile, Level } from './metrics/levels.js';
export { FailureLinkOverrideInput, listFailureLinkOverrides, setFailureLinkOverride } from './metrics/overrides.js';
export { adoptionChangeCounts, changesInWindow, deploymentNames, deploymentTime, failureSampleOf, freshness, gitlabCatalogRepos, incidentCandidates, initiativeRows, leadTimeHistogram, leadTimesPerDeployment, newestDeploymentDay, prsInWindow, warehouseCounts } from './metrics/reads.js';
export type { AdoptionChangeCounts, FailureSampleCounts, InitiativeRows, NamedDeployment, WarehouseCounts } from './metrics/reads.js';
export { DERIVED_TABLES, definitionsFingerprint, rebuildDoraDaily, runTransform } from './metrics/rebuild.js';
export { checkScope, UnknownScopeError } from './metrics/scope.js';
export { defaultMetricSettings, metricSettingsOf } from './metrics/settings.js';
export type { MetricSettings } from './metrics/settings.js';
export { sourceHealth } from './metrics/source-health.js';
export { STAGES, teamProfile, UnknownTeamError } from './metrics/team.js';
export type { KeyComparison, Stage, TeamKey, TeamProfile } from './metrics/team.js';
export { TransformSchedule } from './schedule.js';
export type { ScheduleStatus } from './schedule.js';
export { NOT_LEADER, Scheduler } from './scheduler.js';
export type { JobDefinition, JobStatus, Leadership as SchedulerLeadership, ScheduledJob, SchedulerOptions } from './scheduler.js';
