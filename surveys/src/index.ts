/**
 * The public API of @paved/surveys for server code: campaigns, responses, results under the disclosure rules,
 * mailings and the survey HTTP endpoints. Browser code imports `@paved/surveys/browser`.
 */
export * from './browser.js';
export { CampaignInput, closeCampaign, createCampaign, dueReminders, inviteToCampaign, parseInvitees, remindCampaign, SurveyInputError } from './campaigns.js';
export type { InviteOutcome } from './campaigns.js';
export { keysOf, requestOrigin, surveyHttpContext } from './context.js';
export { toCsv } from './csv.js';
export { DefinitionError } from './definition.js';
export { orgSummary, surveySummaryForDigest, teamSummary } from './digest.js';
export type { DigestSurveySummary } from './digest.js';
export { effectiveMinGroupSize } from './disclosure.js';
export { failure, getCampaigns, getResults, postCampaign, postClose, postImport, postInvites, postRemind, postResponse } from './http.js';
export type { SurveyHttpContext } from './http.js';
export { importResponses } from './import.js';
export type { ImportReport } from './import.js';
export { AGREEMENT_LABELS } from './items.js';
export { MEASURE_LABELS, MEASURE_UNITS, metricMappingOf, PICKUP_HOURS_BANDS, REWORK_RATE_BANDS } from './joined.js';
export type { JoinedTeam, Measure } from './joined.js';
export { mailInvitations, mailReminder, mailSettingsOf, readMailingCounts } from './mail.js';
export type { MailingReport } from './mail.js';
export { LINK_MESSAGES, openLink } from './respond.js';
export type { LinkState } from './respond.js';
export { campaignResults, campaignStatus, computeResults, defaultCampaignId, releasedCampaignId, resultsCsv } from './results.js';
export type { CampaignSummary, Dimension, ParticipationRow, Respondent, SurveyResults } from './results.js';
export type { DriverScore, GroupScore } from './score.js';
export { knownTeams, readCampaign, readCampaigns, readInviteCounts } from './store.js';
export type { Campaign } from './store.js';
export { loadTemplate } from './template.js';
export type { SurveyKeys } from './tokens.js';
export { surveysView } from './view.js';
export { loadResultsInput } from './results.js';
