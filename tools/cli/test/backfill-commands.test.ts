/**
 * `paved backfill <source>` is built from the source plugins' registrations: a source that declares
 * `backfill.cli` gets its subcommand with its options, and nothing in main.ts names a source.
 */
import { type BackfillCommand, defineSource, sources } from '@paved/ingest';
import { describe, expect, it } from 'vitest';
import { program } from '../src/main.js';

const backfillOf = (cli: ReturnType<typeof program>) => cli.commands.find((c) => c.name() === 'backfill')!;
const flagsOf = (cli: ReturnType<typeof program>, name: string) => backfillOf(cli).commands.find((c) => c.name() === name)!.options.map((o) => o.flags);

class Prepared extends Error {
  constructor(readonly options: Record<string, unknown>) {
    super('prepared');
  }
}

/** A made-up source whose command records the options it is given and stops there (nothing is opened). */
const shipitCommand: BackfillCommand = {
  description: 'deployments of sources.shipit',
  options: [
    { flags: '--since <date>', description: 'on a first run, only what changed after this date' },
    { flags: '--service <name>', description: 'this service (repeatable)', repeatable: { pattern: /^[a-z-]+$/, expected: 'expected a service name' } },
    { flags: '--full', description: 'fetch everything again' },
  ],
  prepare(options) {
    throw new Prepared(options);
  },
};
const shipit = defineSource({
  id: 'shipit', title: 'ShipIt', docs: 'docs/sources/adding-a-source.md', webhooks: [],
  normalise: () => ({ kind: 'ignored', reason: 'test' }),
  backfill: { isBackfillEvent: () => false, extract: () => ({ kind: 'ignored', reason: 'test' }), command: 'paved backfill shipit', cli: shipitCommand },
});

describe('paved backfill subcommands', () => {
  it('one per shipped source that declares a backfill command, with its options in order', () => {
    const cli = program();
    expect(backfillOf(cli).commands.map((c) => c.name())).toEqual(sources.sources.filter((s) => s.backfill?.cli).map((s) => s.id));
    expect(backfillOf(cli).commands.map((c) => c.name())).toEqual(['github', 'gitlab', 'jira']);
    expect(flagsOf(cli, 'github')).toEqual(['--since <date>', '--repo <owner/name>', '--full', '--json']);
    expect(flagsOf(cli, 'gitlab')).toEqual(['--since <date>', '--project <group/project>', '--full', '--json']);
    expect(flagsOf(cli, 'jira')).toEqual(['--since <date>', '--full', '--json']);
  });

  it('a registered source gets its subcommand; repeatable values are checked and collected, and reach prepare', async () => {
    const cli = program(sources.with(shipit));
    expect(flagsOf(cli, 'shipit')).toEqual(['--since <date>', '--service <name>', '--full']);
    expect(cli.commands.find((c) => c.name() === 'replay')!.options.find((o) => o.long === '--source')!.argChoices).toContain('shipit');

    const run = cli.exitOverride().configureOutput({ writeErr: () => {} });
    for (const c of backfillOf(run).commands) c.exitOverride().configureOutput({ writeErr: () => {} });
    const prepared = await run.parseAsync(['backfill', 'shipit', '--since', '2026-01-01', '--service', 'api', '--service', 'web', '--full'], { from: 'user' }).catch((error: unknown) => error);
    expect(prepared).toBeInstanceOf(Prepared);
    expect((prepared as Prepared).options).toEqual({ since: '2026-01-01', service: ['api', 'web'], full: true });

    const refused = await run.parseAsync(['backfill', 'shipit', '--service', 'Not A Name'], { from: 'user' }).catch((error: unknown) => error);
    expect((refused as Error).message).toMatch(/expected a service name/);
  });
});
