import { z } from 'zod';
import { fullOption, jsonOption, sinceOf, sinceOption } from '../backfill-command.js';
import type { BackfillCommand } from '../sources/contract.js';
import { backfillJira, JiraApi, type JiraBackfillResult } from './backfill.js';

/** `paved backfill jira`, as the Jira plugin declares it (source.ts); the CLI builds the subcommand from this. docs/sources/jira.md. */

const Options = z.object({ since: z.string().optional(), full: z.boolean().optional(), json: z.boolean().optional() });

export const jiraBackfillCommand: BackfillCommand = {
  description: 'incidents of sources.jira projects and issue types through JQL (with changelog), as the webhooks would have reported them; resumable, a second run fetches only what changed',
  options: [sinceOption('only issues updated after this date'), fullOption, jsonOption('the result')],
  prepare(input, { config, env }) {
    const options = Options.parse(input);
    const jira = config.sources.jira;
    if (!jira?.baseUrl) throw new Error('backfill needs sources.jira.baseUrl in paved.config.yaml (your site, e.g. https://acme.atlassian.net)');
    if (!env.JIRA_EMAIL || !env.JIRA_API_TOKEN) throw new Error('backfill needs JIRA_EMAIL and JIRA_API_TOKEN (an API token of an account that can browse the incident projects)');
    const { baseUrl } = jira;
    const credentials = { email: env.JIRA_EMAIL, apiToken: env.JIRA_API_TOKEN };
    const since = sinceOf(options.since);
    return async ({ bus, cursors, signal, log, context, stdout, stderr }) => {
      const api = new JiraApi({ baseUrl, ...credentials, signal, log });
      let result: JiraBackfillResult;
      try {
        result = await backfillJira({ api, bus, cursors, context, since, log });
      } catch (error) {
        if (signal.aborted) return { stoppedAfter: api.stats.requests };
        throw error;
      }
      stderr(`backfilled ${result.issues} Jira issues (${result.jql}) in ${Math.round(result.ms / 1000)} s: ${result.events} incident events (${result.ignored} ignored, ${result.deadLettered} dead-lettered); ${result.requests} requests, ${result.rateLimited} rate-limited and retried\n`);
      if (options.json) stdout(`${JSON.stringify(result, null, 2)}\n`);
      return null;
    };
  },
};
