import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from '../src/log.js';

describe('the one logger (pino)', () => {
  it('writes one JSON object per line with time, level as a word, component, message and fields', () => {
    const lines: [string, LogLevel][] = [];
    const log = createLogger('sink', { level: 'info', env: {}, write: (line, level) => lines.push([line, level]) });
    log('debug', 'not shown');
    log('info', 'batch inserted', { rows: 12 });
    log('warn', 'warehouse unavailable', { error: new Error('refused') });
    expect(lines.map(([, level]) => level)).toEqual(['info', 'warn']);
    const [first, second] = lines.map(([line]) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toMatchObject({ level: 'info', component: 'sink', msg: 'batch inserted', rows: 12 });
    expect(Number.isNaN(Date.parse(String(first!.time)))).toBe(false);
    expect(second).toMatchObject({ level: 'warn', msg: 'warehouse unavailable', error: 'refused' });
  });

  it('never writes the value of a secret environment variable, wherever it appears', () => {
    const lines: string[] = [];
    const log = createLogger('ingest', { env: { GITHUB_WEBHOOK_SECRET: 'hunter2-very-secret' }, write: (line) => lines.push(line) });
    log('error', 'bad config hunter2-very-secret', { url: 'https://x/?token=abc123', nested: { value: 'hunter2-very-secret' } });
    expect(lines.join('\n')).not.toContain('hunter2-very-secret');
    expect(lines.join('\n')).not.toContain('abc123');
    expect(lines.join('\n')).toContain('[redacted]');
  });

  it('sends info to stdout and warnings and errors to stderr, each once', () => {
    const script = `import { createLogger } from ${JSON.stringify(join(import.meta.dirname, '..', 'src', 'log.ts'))};
      const log = createLogger('probe', { level: 'info' });
      log('info', 'to stdout'); log('warn', 'to stderr'); log('error', 'also stderr');`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const out = child.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);
    const err = child.stderr.trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(out).toEqual(['to stdout']);
    expect(err).toEqual(['to stderr', 'also stderr']);
  });
});
