import { API_DOCUMENT_INFO, API_OPERATIONS, type ApiOperation, openApiDocument, RoiResult } from '@paved/schemas';
import { CampaignInput } from '@paved/surveys';
import { DigestAnswer, DigestRequest } from '@paved/insights';
import { FailureLinkOverrideInput, type listFailureLinkOverrides, RoiAssumptionsInput, type readRoiOverrides } from '@paved/transform';
import { GithubConnectRequest } from '@paved/runtime';
import type { replayDeadLetters } from '@paved/pipeline';
import { z } from 'zod';

/*
 * The OpenAPI document served at /api/openapi.json and rendered at /docs/api: the /api/v1
 * contracts of @paved/schemas, plus the admin routes with the request schemas their handlers parse.
 * Not server-only (no warehouse, no runtime): the test builds the same document.
 */

/** An admin answer described in words (its fields are listed in docs/api.md or the linked page). */
const answer = (id: string, description: string) => z.looseObject({}).meta({ id, description });
const OverrideRecord = z.object({
  deployment_id: z.string(), incident_id: z.string().meta({ description: 'An incident id, `method:rollback`, `method:revert`, or `*` (every link of the deployment).' }),
  verdict: z.string().meta({ description: '`confirm` or `reject`.' }), note: z.string(), set_by: z.string(), set_at: z.string(),
}).meta({ id: 'FailureLinkOverrideRecord', description: 'A person\'s verdict on a failure link, with who set it and when.' });
const RoiAssumptionsState = z.object({
  overrides: z.array(z.object({ key: z.string().meta({ examples: ['roi.currency', 'team.payments.developers'] }), value: z.string(), set_by: z.string(), set_at: z.string() }))
    .meta({ description: 'The overrides set in Paved (latest per key).' }),
  effective: RoiResult.shape.assumptions.meta({ description: 'The assumptions in effect: paved.config.yaml, then the overrides; `source` says which, per key.' }),
}).meta({ id: 'RoiAssumptionsState', description: 'ROI assumption overrides and the assumptions in effect.' });
const DeadLetterReplay = z.object({
  done: z.number().int(), total: z.number().int(), replayed: z.number().int(), published: z.number().int(), skipped: z.number().int(), stillFailing: z.number().int(),
  problems: z.array(z.object({ id: z.string(), step: z.string(), reason: z.string() })).meta({ description: 'Why letters were skipped or still fail (the first 20).' }),
}).meta({ id: 'DeadLetterReplay', description: 'Dead letters looked at, replayed (and messages published), skipped and still failing.' });

// The handlers' own types must fit these schemas (checked by the compiler; the real answers by the API test).
const _overrides: z.infer<typeof OverrideRecord>[] = [] as Awaited<ReturnType<typeof listFailureLinkOverrides>>;
const _roi: z.infer<typeof RoiAssumptionsState>['overrides'] = [] as Awaited<ReturnType<typeof readRoiOverrides>>;
const _replay: z.infer<typeof DeadLetterReplay> | null = null as Awaited<ReturnType<typeof replayDeadLetters>> | null;
void [_overrides, _roi, _replay];

const campaignParam = { campaign: z.string().min(1).meta({ description: 'The campaign id.', examples: ['dx-2026-q3'] }) };
const Recompute = answer('TransformRun', 'The transform run: its steps and how long each took.');

export const ADMIN_OPERATIONS: ApiOperation[] = [
  {
    method: 'post', path: '/api/admin/transform', operationId: 'runTransform', tag: 'Admin', access: 'admin',
    summary: 'Recompute every derived table now',
    answers: { 200: { description: 'The run.', json: Recompute } },
  },
  {
    method: 'get', path: '/api/admin/overrides', operationId: 'listFailureLinkOverrides', tag: 'Admin', access: 'admin',
    summary: 'Failure-link overrides people set, newest first',
    query: z.object({ deployment: z.string().min(1).optional().meta({ description: 'Only this deployment\'s overrides.' }) }),
    answers: { 200: { description: 'The overrides (at most 500).', json: z.array(OverrideRecord) } },
  },
  {
    method: 'post', path: '/api/admin/overrides', operationId: 'setFailureLinkOverride', tag: 'Admin', access: 'admin',
    summary: 'Confirm or reject a failure link; the metrics are recomputed',
    description: '`incidentId` is an incident id, `method:rollback` or `method:revert` for a link without an incident, or `*` for "this deployment did not fail" (reject only).',
    body: { description: 'The verdict.', json: FailureLinkOverrideInput, form: true },
    answers: { 201: { description: 'Saved: `{ ok, override, transform }`.', json: answer('FailureLinkOverrideSaved', 'The override as saved (with `setBy`) and the transform run.') } },
  },
  {
    method: 'get', path: '/api/admin/roi', operationId: 'getRoiAssumptions', tag: 'Admin', access: 'admin',
    summary: 'ROI assumption overrides and the effective assumptions',
    answers: { 200: { description: 'The overrides and the assumptions in effect.', json: RoiAssumptionsState } },
  },
  {
    method: 'post', path: '/api/admin/roi', operationId: 'setRoiAssumptions', tag: 'Admin', access: 'admin',
    summary: 'Override ROI assumptions and per-team developer counts',
    description: 'They win over paved.config.yaml in every ROI figure and in the roadmap\'s weighting; `clear` removes overrides (`roi.currency`, `team.payments.developers`).',
    body: { description: 'The values to set.', json: RoiAssumptionsInput, form: true },
    answers: { 201: { description: 'Saved: `{ ok, changed, assumptions }`.', json: answer('RoiAssumptionsSaved', 'How many keys changed and the assumptions now in effect.') } },
  },
  {
    method: 'post', path: '/api/admin/digest', operationId: 'runDigest', tag: 'Admin', access: 'admin',
    summary: 'Send (or preview) the weekly digests, as `paved digest` does',
    body: { description: 'Which week, team or channel; `dryRun` renders without sending.', json: DigestRequest },
    answers: { 200: { description: 'Previews (dry run) or one outcome per delivery.', json: DigestAnswer } },
    errors: ['503'],
  },
  {
    method: 'post', path: '/api/admin/dlq/replay', operationId: 'replayDeadLetters', tag: 'Admin', access: 'admin',
    summary: 'Re-drive dead letters onto the bus, then recompute',
    description: 'Needs the bus of `paved start`; the separate dashboard service answers 501 with the command that works (`paved dlq replay`).',
    answers: { 200: { description: 'How many were replayed, skipped or still failing.', json: DeadLetterReplay } },
    errors: ['501'],
  },
  {
    method: 'get', path: '/api/admin/connect/github', operationId: 'getGithubConnection', tag: 'Admin', access: 'admin',
    summary: 'The current (or last) GitHub connection: step, permissions, webhooks, backfill progress',
    description: 'No secret is in it. The separate dashboard service answers 501.',
    answers: { 200: { description: '`{ running, state }`.', json: answer('GithubConnection', 'Whether a connection runs, and its state: phase, message, permissions (with the missing ones, why and how to grant them), webhooks created or updated, backfill progress and counts, notes.') } },
    errors: ['501'],
  },
  {
    method: 'post', path: '/api/admin/connect/github', operationId: 'connectGithub', tag: 'Admin', access: 'admin',
    summary: 'Connect GitHub: check permissions, create or update the webhook, backfill (as `paved connect github`)',
    description: 'Runs in the server; follow it with GET. The token or private key is used for this connection only, never stored or logged. 409 while one runs; the separate dashboard service answers 501.',
    body: { description: 'Where the webhook goes, Paved\'s public URL and the credentials.', json: GithubConnectRequest, form: true },
    answers: { 202: { description: 'Started: its first state.', json: answer('GithubConnectionStarted', 'The connection\'s state as it starts.') } },
    errors: ['409', '501'],
  },
  {
    method: 'post', path: '/api/admin/surveys', operationId: 'createSurveyCampaign', tag: 'Admin', access: 'admin',
    summary: 'Create a survey campaign',
    body: { description: 'The campaign.', json: CampaignInput, form: true },
    answers: { 201: { description: '`{ campaign }`.', json: answer('SurveyCampaignCreated', 'The campaign as stored.') } },
  },
  {
    method: 'post', path: '/api/admin/surveys/{campaign}/close', operationId: 'closeSurveyCampaign', tag: 'Admin', access: 'admin',
    summary: 'Close a campaign now (its results are released)', params: campaignParam,
    answers: { 200: { description: '`{ campaign }`.', json: answer('SurveyCampaignClosed', 'The campaign as closed.') } },
    errors: ['404'],
  },
  {
    method: 'post', path: '/api/admin/surveys/{campaign}/invites', operationId: 'inviteToSurveyCampaign', tag: 'Admin', access: 'admin',
    summary: 'Mint single-use links for `email,team` rows (and send them when mail is set up)',
    description: 'Links are returned once and never stored (docs/surveys-anonymity.md).', params: campaignParam,
    body: { description: '`email,team` rows.', csv: true, form: true },
    answers: { 200: { description: 'The links, or what was sent.', json: answer('SurveyInvitations', 'One outcome per invitee; links only when Paved does not send them.') } },
    errors: ['404'],
  },
  {
    method: 'post', path: '/api/admin/surveys/{campaign}/remind', operationId: 'remindSurveyCampaign', tag: 'Admin', access: 'admin',
    summary: 'Record a reminder to the whole audience', params: campaignParam,
    answers: { 200: { description: 'The reminder.', json: answer('SurveyReminder', 'The reminder recorded (and sent when mail is set up).') } },
    errors: ['404'],
  },
  {
    method: 'post', path: '/api/admin/surveys/{campaign}/import', operationId: 'importSurveyResponses', tag: 'Admin', access: 'admin',
    summary: 'Import responses collected elsewhere (CSV)', params: campaignParam,
    body: { description: 'One row per response.', csv: true, form: true },
    answers: { 200: { description: 'The validation report.', json: answer('SurveyImportReport', 'Rows imported and rejected, with the line and reason of each rejection.') } },
    errors: ['404'],
  },
];

export function apiDocument(): Record<string, unknown> {
  return openApiDocument([...API_OPERATIONS, ...ADMIN_OPERATIONS], { ...API_DOCUMENT_INFO, version: '1' });
}
