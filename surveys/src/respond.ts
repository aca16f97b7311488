/** The respondent's side: open a link, see its saved answers, save or submit them. */
import type { SurveyDefinition, SurveyResponse } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';
import { type AnswerSheet, answeredCount, checkSheet, type SheetInput } from './answers.js';
import { campaignStatus, definitionFor } from './results.js';
import { type Campaign, readCampaign, readInviteTeam, readOwnResponse, writeResponse } from './store.js';
import { type SurveyKeys, verifyToken } from './tokens.js';

export type LinkProblem = 'tampered' | 'unknown' | 'not_open' | 'closed' | 'expired';

/** What a respondent is told for each problem: clear, and never a stack trace. */
export const LINK_MESSAGES: Record<LinkProblem, { title: string; message: string; status: number }> = {
  tampered: { title: 'This link is not valid', message: 'The link has been changed or cut short. Open it again from your invitation email, copying the whole address.', status: 400 },
  unknown: { title: 'We do not recognise this link', message: 'This link was not issued for a current survey. It may belong to a campaign that was removed; ask the people who sent it for a new one.', status: 404 },
  not_open: { title: 'This survey has not opened yet', message: 'Come back on the opening day shown in your invitation; your link will work then.', status: 409 },
  closed: { title: 'This survey is closed', message: 'The survey owners closed it, so answers can no longer be given or changed. Thank you for your time.', status: 410 },
  expired: { title: 'This survey has ended', message: 'The closing date has passed, so answers can no longer be given or changed. Thank you for your time.', status: 410 },
};

export interface OpenLink {
  ok: true;
  campaign: Campaign;
  definition: SurveyDefinition;
  /** The team the invite was sent for: the link fixes it, so a respondent cannot file answers under a smaller team. */
  invitedTeam: string;
  responseId: string;
  saved: { sheet: AnswerSheet; submitted: boolean; savedAt: string } | null;
}

export type LinkState = OpenLink | { ok: false; problem: LinkProblem; opensAt?: string; closesAt?: string };

/** Verifies a link and loads what its holder may see: the campaign, the survey and their own saved answers. */
export async function openLink(warehouse: Warehouse, keys: SurveyKeys, token: string, now = new Date()): Promise<LinkState> {
  const check = verifyToken(keys, token);
  if (!check.ok) return { ok: false, problem: 'tampered' };
  const campaign = await readCampaign(warehouse, check.campaignId);
  if (!campaign) return { ok: false, problem: 'unknown' };
  const invitedTeam = await readInviteTeam(warehouse, campaign.id, check.inviteKey);
  if (invitedTeam === null) return { ok: false, problem: 'unknown' };
  const status = campaignStatus(campaign, now);
  if (status === 'scheduled') return { ok: false, problem: 'not_open', opensAt: campaign.opensAt };
  if (status === 'closed') {
    const byOwners = campaign.closedAt !== null && campaign.closedAt < campaign.closesAt;
    return { ok: false, problem: byOwners ? 'closed' : 'expired', closesAt: campaign.closesAt };
  }
  const definition = await definitionFor(warehouse, campaign.surveyId, campaign.surveyVersion);
  const own = await readOwnResponse(warehouse, campaign.id, check.responseId);
  const saved = own
    ? {
        sheet: checkSheet(definition, { team: own.response.team, tenure: own.response.tenure, role: own.response.role, answers: own.response.answers, free_text: own.response.free_text }, []).sheet,
        submitted: own.submitted,
        savedAt: own.response.submitted_at,
      }
    : null;
  return { ok: true, campaign, definition, invitedTeam, responseId: check.responseId, saved };
}

export type SaveOutcome =
  | { ok: true; submitted: boolean; answered: number; errors: Record<string, string> }
  | { ok: false; problem: LinkProblem }
  | { ok: false; problem: 'invalid'; errors: Record<string, string> };

/**
 * Saves answers for a link. `submit: false` keeps a draft (what passed validation is saved, the
 * rest comes back as errors); `submit: true` needs every answer valid and makes the response count.
 * A submitted response stays submitted: later saves edit it, until the campaign closes.
 */
export async function saveAnswers(warehouse: Warehouse, keys: SurveyKeys, token: string, input: SheetInput & { submit?: boolean }, now = new Date()): Promise<SaveOutcome> {
  const link = await openLink(warehouse, keys, token, now);
  if (!link.ok) return { ok: false, problem: link.problem };
  // The invitation fixes the team: choosing another would let one person stand out in a small team.
  const team = link.invitedTeam;
  const { sheet, errors } = checkSheet(link.definition, { ...input, team }, [team]);
  const asked = typeof input.team === 'string' ? input.team.trim() : '';
  if (asked && asked !== team) errors.team = `This link was sent for team ${team}, so your answers count for ${team}. If that is not your team, ask the survey owners for a new link.`;
  const alreadySubmitted = link.saved?.submitted ?? false;
  const submit = Boolean(input.submit) || alreadySubmitted;
  if (submit && Object.keys(errors).length) return { ok: false, problem: 'invalid', errors };
  const response: SurveyResponse = {
    id: link.responseId,
    campaign_id: link.campaign.id,
    survey_id: link.definition.id,
    survey_version: link.definition.version,
    team,
    tenure: sheet.tenure,
    role: sheet.role,
    answers: sheet.answers,
    free_text: sheet.free_text,
    submitted_at: now.toISOString(),
  };
  await writeResponse(warehouse, response, { draft: !submit, previous: link.saved?.savedAt ?? null, now });
  return { ok: true, submitted: submit, answered: answeredCount(sheet), errors };
}
