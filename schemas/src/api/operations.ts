import { DoraResult } from '../dora.js';
import { RoiResult } from '../roi.js';
import { ApiError, BadRequestError } from './common.js';
import { ExportQuery, ExportTableParam } from './export.js';
import { HealthReport } from './health.js';
import { AdoptionQuery, AdoptionResult, DoraApiQuery, ExplainQuery, ExplainResult, FlowQuery, FlowResult } from './metrics.js';
import type { ApiOperation, DocumentInfo } from './openapi.js';
import { RoadmapQuery, RoadmapResult, RoiQuery } from './roadmap.js';
import { SurveyCampaigns, SurveyResults, SurveyResultsQuery } from './surveys.js';

/*
 * Every route under /api/v1 (and /api/health, /api/openapi.json) with its contracts. A test checks
 * that this list and the route files under dashboard/app/api/v1 name the same paths, and that each
 * route's real answer matches its schema.
 */

const csv = (description: string) => ({ type: 'text/csv', description });

export const API_OPERATIONS: ApiOperation[] = [
  {
    method: 'get', path: '/api/v1/metrics/dora', operationId: 'getDoraMetrics', tag: 'Metrics', access: 'viewer',
    summary: 'The five DORA keys for a window and a scope',
    description: 'Deployment frequency, lead time for changes, change failure rate, recovery and rework rate, with levels. `paved metrics dora --json` prints the same object. An unknown `team` or `service` is a 400 listing the known ones in `known`. Definitions of every number: docs/metrics.md.',
    query: DoraApiQuery,
    answers: { 200: { description: 'The five keys.', json: DoraResult } },
  },
  {
    method: 'get', path: '/api/v1/metrics/dora/explain', operationId: 'explainDoraMetric', tag: 'Metrics', access: 'viewer',
    summary: 'The rows behind a DORA number',
    description: 'Deployments counted, change-set commits with lead time and how they were found, failure links with method and evidence, and incidents.',
    query: ExplainQuery,
    answers: { 200: { description: 'The rows.', json: ExplainResult } },
  },
  {
    method: 'get', path: '/api/v1/metrics/flow', operationId: 'getFlowMetrics', tag: 'Metrics', access: 'viewer',
    summary: 'PR cycle time in four stages, per team, with the slowest PRs',
    query: FlowQuery,
    answers: { 200: { description: 'Medians per stage.', json: FlowResult } },
  },
  {
    method: 'get', path: '/api/v1/metrics/adoption', operationId: 'getAdoptionMetrics', tag: 'Metrics', access: 'viewer',
    summary: 'Golden-path and platform adoption, with the golden-path comparison',
    query: AdoptionQuery,
    answers: { 200: { description: 'Adoption figures.', json: AdoptionResult } },
  },
  {
    method: 'get', path: '/api/v1/roadmap', operationId: 'getRoadmap', tag: 'Roadmap and ROI', access: 'viewer',
    summary: 'Ranked friction points with evidence, and initiative effects',
    description: 'Survey drivers ranked by a score that weighs unfavourable answers, the gap of mapped metrics to the next DORA level, hours lost and the trend (`formula` says how), with the teams, metrics and free-text themes behind each; and each platform initiative\'s difference-in-differences estimates.',
    query: RoadmapQuery,
    answers: { 200: { description: 'The roadmap.', json: RoadmapResult } },
  },
  {
    method: 'get', path: '/api/v1/roi', operationId: 'getRoi', tag: 'Roadmap and ROI', access: 'viewer',
    summary: 'ROI figures per year, as ranges with their formula and inputs',
    description: 'A figure resting on a change carries it with a 95 % bootstrap interval and has no amount (`significant: false`) when that interval includes zero. Assumptions are set in paved.config.yaml or with `POST /api/admin/roi`.',
    query: RoiQuery,
    answers: { 200: { description: 'The figures.', json: RoiResult } },
  },
  {
    method: 'get', path: '/api/v1/export/{table}', operationId: 'exportTable', tag: 'Exports', access: 'viewer',
    summary: 'A dashboard table as CSV',
    description: 'Every table on the dashboard, with the same parameters as its page. An unknown table is a 404 listing the tables.',
    params: { table: ExportTableParam },
    query: ExportQuery,
    answers: { 200: { description: 'The table (UTF-8, a header row, RFC 4180 quoting).', media: csv('CSV with a header row.') } },
    errors: ['404'],
  },
  {
    method: 'get', path: '/api/v1/surveys/results', operationId: 'getSurveyResults', tag: 'Surveys', access: 'viewer',
    summary: 'A campaign\'s results, anonymity applied',
    description: 'Groups under `surveys.minGroupSize` are never included, nor any figure that would let one be worked out (docs/surveys-anonymity.md). 404 when there is no campaign yet, or no campaign of that id.',
    query: SurveyResultsQuery,
    answers: { 200: { description: 'The results (or CSV with `format=csv`).', json: SurveyResults, media: csv('The same figures, one row per group and item.') } },
    errors: ['404'],
  },
  {
    method: 'get', path: '/api/v1/surveys/campaigns', operationId: 'listSurveyCampaigns', tag: 'Surveys', access: 'viewer',
    summary: 'Survey campaigns with status and response counts',
    answers: { 200: { description: 'The campaigns.', json: SurveyCampaigns } },
  },
  {
    method: 'get', path: '/api/health', operationId: 'getHealth', tag: 'Service', access: 'public',
    summary: 'Warehouse, bus and schedule status',
    description: 'Public (for probes), answered whatever the Host.',
    answers: {
      200: { description: 'Healthy.', json: HealthReport },
      503: { description: 'One part is unhealthy (same body).', json: HealthReport },
    },
  },
  {
    method: 'get', path: '/api/openapi.json', operationId: 'getOpenApiDocument', tag: 'Service', access: 'public',
    summary: 'This document',
    description: 'Generated from the zod contracts of the routes; holds no data, so it needs no sign-in.',
    answers: { 200: { description: 'The OpenAPI 3.1 document.', media: { type: 'application/json', description: 'An OpenAPI 3.1 document.' } } },
  },
];

export const API_DOCUMENT_INFO: Omit<DocumentInfo, 'version'> = {
  description: [
    'The data behind every dashboard page, as JSON (or CSV). Rates are fractions from 0 to 1, times are hours, and a value without data is `null` (never 0 standing in for "unknown").',
    '',
    'Access: the same as the dashboard. With sign-in (auth.oidc) send the session cookie or the admin token as `Authorization: Bearer`; without it, Paved listens on loopback only and answers local requests. Routes under `/api/admin` need the admin role.',
    '',
    'Errors are JSON `{ error, message }`; a bad parameter is a 400 whose `issues` name each parameter and what is allowed.',
  ].join('\n'),
  errors: { badRequest: BadRequestError, error: ApiError },
  tags: [
    { name: 'Metrics', description: 'DORA keys, their rows, PR flow and adoption.' },
    { name: 'Roadmap and ROI', description: 'Friction ranking, initiative effects and return on investment.' },
    { name: 'Surveys', description: 'Developer-experience survey results (anonymity applied) and campaigns.' },
    { name: 'Exports', description: 'Dashboard tables as CSV.' },
    { name: 'Admin', description: 'Actions that change Paved: admin role (or the admin token) only.' },
    { name: 'Service', description: 'Health and this document.' },
  ],
};
