import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCampaign } from '../src/campaigns.js';
import { postImport } from '../src/http.js';
import { importResponses } from '../src/import.js';
import { campaignResults } from '../src/results.js';
import { context, openTestWarehouse, SMALL, testConfig } from './harness.js';

let env: Awaited<ReturnType<typeof openTestWarehouse>>;
const config = testConfig();
const NOW = new Date('2026-04-20T12:00:00Z');

beforeAll(async () => {
  env = await openTestWarehouse();
  await createCampaign(env.warehouse, config, { id: 'paper', survey: 'small', definition: JSON.stringify(SMALL), audience: ['checkout', 'payments'], opens: '2026-04-01', closes: '2026-04-14' }, NOW);
});
afterAll(async () => env?.close());

const FILE = [
  'team,tenure,role,speed_1,speed_2,docs_1,enps,hours_lost,comment,favourite_colour',
  'checkout,1-3y,engineer,4,2,5,9,3,"Builds are slow, ""really"" slow",blue', // line 2: ok
  'checkout,,,5,1,4,10,0,,', //                                            line 3: ok (bands blank)
  'payments,5y+,manager,6,2,3,7,2,,', //                                    line 4: speed_1 out of range
  'search,1-3y,engineer,4,4,4,8,1,,', //                                    line 5: team not in the audience
  'checkout,ages,boss,3,3,3,,,,', //                                        line 6: bad tenure and role
  ',1-3y,engineer,3,3,3,5,1,,', //                                          line 7: no team
  'payments,,,,,,,,,', //                                                   line 8: no answers
  'payments,<1y,senior,2,4,2,0,"12,5",,', //                                 line 9: ok (decimal comma)
  'payments,<1y,senior,2,4', //                                             line 10: too few fields, but what is there is valid
  'checkout,3-5y,staff+,3,3,3,abc,50,,', //                                 line 11: eNPS not a number, hours over 40
].join('\n');

describe('CSV import', () => {
  it('lands every valid row and reports every rejected row with all its reasons', async () => {
    const report = await importResponses(env.warehouse, 'paper', FILE, NOW);
    expect(report).toMatchObject({ campaign: 'paper', rows: 10, imported: 3, ignoredColumns: ['favourite_colour'], missingColumns: [] });
    expect(report.rejected.map((r) => r.line)).toEqual([4, 5, 6, 7, 8, 10, 11]);
    const reasons = Object.fromEntries(report.rejected.map((r) => [r.line, r.reasons.join(' | ')]));
    expect(reasons[4]).toMatch(/^speed_1: Choose one of the five options/);
    expect(reasons[5]).toMatch(/^team: Choose one of the listed teams \(checkout, payments\)/);
    expect(reasons[6]).toMatch(/tenure: .*\| role: /);
    expect(reasons[7]).toMatch(/^team: Choose your team/);
    expect(reasons[8]).toBe('no answers at all');
    expect(reasons[10]).toBe('has 5 fields, the header has 10');
    expect(reasons[11]).toMatch(/enps: .*\| hours_lost: Enter between 0 and 40/);
  });

  it('importing the same file again adds nothing twice', async () => {
    await importResponses(env.warehouse, 'paper', FILE, NOW);
    const results = await campaignResults(env.warehouse, config, 'paper', { now: NOW, by: 'team' });
    // 3 respondents: below the threshold of 5, so only the hidden list knows the teams.
    expect(results?.respondents).toBeNull();
    expect(results?.hiddenGroups).toEqual(['checkout', 'payments']);
  });

  it('a closed campaign with responses takes no new ones: the two releases could be subtracted', async () => {
    const extra = ['team,tenure,role,speed_1,speed_2,docs_1,enps,hours_lost', 'checkout,1-3y,engineer,1,5,1,0,30'].join('\n');
    await expect(importResponses(env.warehouse, 'paper', extra, NOW)).rejects.toThrow(/closed and its results are released; importing 1 more response\(s\)/);
    const results = await campaignResults(env.warehouse, config, 'paper', { now: NOW, by: 'team' });
    expect(results?.hiddenGroups).toEqual(['checkout', 'payments']);
    const stored = await env.warehouse.query(`SELECT count() AS n FROM {{db}}.survey_responses FINAL WHERE campaign_id = 'paper'`, {}, z.object({ n: z.coerce.number() }));
    expect(stored[0]?.n).toBe(3);
  });

  it('a file without a team column is refused as a whole, saying why', async () => {
    await expect(importResponses(env.warehouse, 'paper', 'speed_1\n4\n', NOW)).rejects.toThrow(/no "team" column; nothing was imported/);
  });

  it('the admin endpoint answers with the same report as JSON', async () => {
    await createCampaign(env.warehouse, config, { id: 'paper-2', survey: 'small', definition: JSON.stringify(SMALL), audience: ['checkout', 'payments'], opens: '2026-04-01', closes: '2026-04-14' }, NOW);
    const response = await postImport(new Request('http://paved.test/api/admin/surveys/paper-2/import', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ csv: 'team,speed_1\ncheckout,4\ncheckout,7\n' }),
    }), 'paper-2', context(env.warehouse, NOW, config));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ rows: 2, imported: 1, rejected: [{ line: 3, reasons: [expect.stringMatching(/^speed_1/)] }], missingColumns: expect.arrayContaining(['docs_1', 'enps']) });
  });

  it('an unknown campaign is a 404 with a message', async () => {
    const response = await postImport(new Request('http://paved.test/api/admin/surveys/nope/import', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ csv: 'team\n' }),
    }), 'nope', context(env.warehouse, NOW, config));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'bad_request', message: 'no campaign "nope"' });
  });
});
