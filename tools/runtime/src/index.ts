/**
 * The public API of @paved/runtime: what a running `paved` process has and hands the dashboard it serves:
 * its configuration (`loadConfig`), webhook secrets, sign-in sessions and the origin rules, the GitHub
 * connect flow, and `PavedRuntime` (`registerRuntime` / `currentRuntime` over the plain @paved/services
 * module). Other packages import from here only (`pnpm lint`).
 */
export { ConfigError, hasConfiguredSources, loadConfig, normaliseContextOf } from './config.js';
export { connectGithub, ConnectJobs } from './connect/github.js';
export type { ConnectState } from './connect/github.js';
export { GithubConnectRequest } from './connect/request.js';
export type { GithubConnectInput } from './connect/request.js';
export { currentRuntime, registerRuntime } from './context.js';
export { badRequest, doraApiResponse, failed, queryObject } from './dora-api.js';
export type { HealthReport, PavedRuntime } from './context.js';
export { hostAllowed, originAllowed, publicOriginsOf } from './origin.js';
export { readCookie, roleOfClaims, seal, Session, SESSION_COOKIE, sessionFromCookieHeader, sessionKeyOf, SIGN_IN_COOKIE, SignInTransaction, unseal } from './session.js';
export type { OidcSettings } from './session.js';
export { ensureWebhookSecret, storeWebhookSecret, webhookSecretPath } from './webhook-secrets.js';
export type { StoredSecretName } from './webhook-secrets.js';
