/**
 * The public API of @paved/ingest: sources → canonical events → bus (receivers, normalisers, backfills,
 * the buses, the demo generator). Other packages import from here only (`pnpm lint` refuses deep imports).
 */
export { BackfillCursor, emptyCursor, MemoryCursorStore } from './backfill-cursor.js';
export type { CursorKey, CursorStore } from './backfill-cursor.js';
export { DeadLetter, DELIVERY_HEADER, encodeDeadLetter, encodeEvent, encodeRaw, RawDeliveryRecord, RECEIVED_AT_HEADER } from './bus/bus.js';
export type { Bus, BusHealth, BusMessage, BusRecord, Subscription } from './bus/bus.js';
export { InProcessBus } from './bus/in-process.js';
export { electLeader } from './bus/leader.js';
export type { Leadership } from './bus/leader.js';
export { catalogEventsFromFolders } from './catalog/backstage.js';
export { catalogEventsFromConfig } from './catalog/config-catalog.js';
export { defaultNormaliseContext } from './delivery.js';
export type { Delivery, NormaliseContext } from './delivery.js';
export { loadDemo } from './demo-loader.js';
export { demoOrg } from './demo/generate.js';
export { DEMO_SHARED_PATHS } from './demo/org.js';
export { surveyDefinition } from './demo/survey.js';
export { BackfillAbortedError, GithubApi } from './github/api.js';
export type { GithubAuth } from './github/api.js';
export { backfillGithub } from './github/backfill.js';
export type { BackfillResult } from './github/backfill.js';
export { compareDelivery } from './github/backfill-deliveries.js';
export { fetchCompare } from './github/compare.js';
export { checkGithubAccess, ConnectError, describeMissing, ensureWebhooks, GITHUB_WEBHOOK_EVENTS, restClientOf, webhookUrlOf } from './github/connect.js';
export type { AccessReport, GithubCredentials, HookOutcome } from './github/connect.js';
export { GitlabApi, GitlabBackfillAbortedError } from './gitlab/api.js';
export { backfillGitlab } from './gitlab/backfill.js';
export type { GitlabBackfillResult } from './gitlab/backfill.js';
export { completedPushDelivery } from './gitlab/compare.js';
export { GITLAB_ASSUMED } from './gitlab/normalise.js';
export { safeEqual } from './http/auth.js';
export { closeAfterAnswer } from './http/body.js';
export { nodeListener, WebhookReceiver } from './http/webhooks.js';
export type { NodeEnv } from './http/webhooks.js';
export { backfillJira, JiraApi } from './jira/backfill.js';
export type { JiraBackfillResult } from './jira/backfill.js';
export { JIRA_DEFAULTS } from './jira/settings.js';
export { createLogger, levelOf } from './log.js';
export type { Logger } from './log.js';
export { normalise } from './normalise.js';
export { ensureOpsgenieIntegration, OpsgenieApi } from './opsgenie/connect.js';
export { ensurePagerdutySubscription, PagerdutyApi } from './pagerduty/connect.js';
export { dlq } from './payload.js';
export { receiveDelivery } from './receive.js';
export { deploymentReference } from './references.js';
export { defineSource, requireSecret, sources } from './sources/index.js';
export type { SourceRegistry } from './sources/index.js';
