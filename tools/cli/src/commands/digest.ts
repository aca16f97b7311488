import { createLogger } from '@paved/ingest';
import { type Channel, DigestAnswer, DigestRequest, DigestScheduler, runDigest } from '@paved/insights';
import { loadConfig } from '@paved/runtime';
import { migrate } from '@paved/warehouse';
import { digestSurveySummary } from '../digest-survey.js';
import { callServer } from '../remote.js';
import { openWarehouse, runningServer } from '../setup.js';

export interface DigestOptions {
  week?: string;
  team?: string;
  org?: boolean;
  channel?: Channel;
  dryRun?: boolean;
  force?: boolean;
}

/**
 * `paved digest`: sends the weekly digests of a week that are not sent yet (the ledger makes a
 * second run a no-op), or with --dry-run prints them and records nothing. Goes through a running
 * `paved start` when it holds the embedded warehouse.
 */
export async function digestCommand(options: DigestOptions): Promise<void> {
  const input = Object.fromEntries(Object.entries({ week: options.week, team: options.team, org: options.org, channel: options.channel, dryRun: options.dryRun, force: options.force }).filter(([, v]) => v !== undefined));
  const parsed = DigestRequest.safeParse(input);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `--${String(i.path[0] ?? 'week')}: ${i.message}`).join('; '));
  const { config, env } = loadConfig();
  const server = runningServer(env);
  let answer: DigestAnswer;
  if (server) {
    process.stderr.write(`paved start (pid ${server.pid}) holds the warehouse: running the digest through it\n`);
    answer = DigestAnswer.parse(await callServer(server, 'POST', '/api/admin/digest', input));
  } else {
    const warehouse = await openWarehouse(env, config, 'paved digest');
    try {
      await migrate(warehouse);
      const scheduler = new DigestScheduler({ warehouse, config, env, log: createLogger('digest'), surveySummary: digestSurveySummary });
      answer = await runDigest(scheduler, parsed.data);
    } finally {
      await warehouse.close();
    }
  }
  process.stdout.write(formatDigestAnswer(answer));
  if (answer.outcomes?.some((o) => o.result === 'failed' || o.result === 'uncertain' || o.result === 'retrying')) process.exitCode = 1;
}

const who = (team: string) => (team ? `team ${team}` : 'organisation');

export function formatDigestAnswer(answer: DigestAnswer): string {
  if (answer.previews) {
    return answer.previews.map((p) => [
      `==== ${answer.week} · ${who(p.team)} (dry run: nothing sent, nothing recorded) ====`,
      ...p.channels.map((c) => `  ${c.channel.padEnd(8)} ${c.destination ?? `not sent: ${c.problem ?? 'no destination'}`} · ledger: ${c.state}`),
      '',
      p.text,
    ].join('\n')).join('\n');
  }
  const outcomes = answer.outcomes ?? [];
  if (!outcomes.length) return `${answer.week}: nothing to send (no channel has a destination: see digest.channels, SLACK_WEBHOOK_URL, SMTP_URL, digest.emailTo)\n`;
  return `${outcomes.map((o) => `${o.week}  ${who(o.team).padEnd(24)} ${o.channel.padEnd(8)} ${o.result.padEnd(9)} ${o.attempt === null ? '' : `attempt ${o.attempt}  `}${o.detail}`).join('\n')}\n`;
}
