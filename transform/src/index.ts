/**
 * The public API of @paved/transform: the warehouse (client, migrations, embedded engine), the sink and
 * dead letters, metric SQL and the ROI assumptions (developer counts). Roadmap, ROI and digests are
 * @paved/insights. Other packages import from here only (`pnpm lint`).
 */
export { WarehouseCursorStore } from './backfill-cursors.js';
export { CompareEnrichment } from './compare-enrichment.js';
export { connectGithub, ConnectJobs } from './connect/github.js';
export type { ConnectState } from './connect/github.js';
export { GithubConnectRequest } from './connect/request.js';
export type { GithubConnectInput } from './connect/request.js';
export { replayDeadLetters } from './dlq.js';
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
export { definitionsFingerprint, runTransform } from './metrics/rebuild.js';
export { checkScope, UnknownScopeError } from './metrics/scope.js';
export { defaultMetricSettings, metricSettingsOf } from './metrics/settings.js';
export type { MetricSettings } from './metrics/settings.js';
export { sourceHealth } from './metrics/source-health.js';
export { STAGES, teamProfile, UnknownTeamError } from './metrics/team.js';
export type { KeyComparison, Stage, TeamKey, TeamProfile } from './metrics/team.js';
export { replayRawDeliveries } from './replay.js';
export { ConfigError, hasConfiguredSources, loadConfig, normaliseContextOf } from './runtime/config.js';
export { hostAllowed, originAllowed, publicOriginsOf } from './runtime/origin.js';
export { readCookie, roleOfClaims, seal, Session, SESSION_COOKIE, sessionFromCookieHeader, sessionKeyOf, SIGN_IN_COOKIE, SignInTransaction, unseal } from './runtime/session.js';
export type { OidcSettings } from './runtime/session.js';
export { ensureWebhookSecret, storeWebhookSecret, webhookSecretPath } from './runtime/webhook-secrets.js';
export type { StoredSecretName } from './runtime/webhook-secrets.js';
export { TransformSchedule } from './schedule.js';
export type { ScheduleStatus } from './schedule.js';
export type { TableRows } from './sink/rows.js';
export { Sink } from './sink/sink.js';
export { ClickHouseError, describeWarehouseError, isTransientWarehouseError, Warehouse } from './warehouse/client.js';
export { EmbeddedEngine } from './warehouse/embedded.js';
export { readWarehouseLock, updateWarehouseLock, WarehouseLockedError } from './warehouse/lock.js';
export { migrate } from './warehouse/migrate.js';
