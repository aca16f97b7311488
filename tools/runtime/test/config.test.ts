import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfigText } from '../src/config.js';

const root = join(import.meta.dirname, '..', '..', '..');

function problems(text: string): string[] {
  try {
    parseConfigText(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('paved.config.yaml', () => {
  it('the shipped example file is valid', () => {
    const config = parseConfigText(readFileSync(join(root, 'paved.config.example.yaml'), 'utf8'));
    expect(config.catalog.services.map((s) => s.name)).toContain('billing');
    expect(config.metrics.fixLabels).toEqual(['hotfix', 'bug', 'fix']);
  });

  it('an empty file means every default', () => {
    const config = parseConfigText('');
    expect(config.server).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.metrics.productionPattern).toBe('^(prod|production)$');
    expect(config.surveys.minGroupSize).toBe(5);
  });

  it('a wrong value names the key, the value and the fix', () => {
    const [problem] = problems('server:\n  port: "eighty"\n');
    expect(problem).toMatch(/^server\.port: .*number/i);
    expect(problem).toContain('"eighty"');
  });

  it('an unknown key is named with a hint to fix the spelling', () => {
    expect(problems('metrics:\n  productionPatern: prod\n')[0]).toBe('metrics: unknown key(s) "productionPatern": remove or fix the spelling');
  });

  it('a bad regular expression is refused with its key', () => {
    expect(problems("metrics:\n  productionPattern: '(prod'\n")[0]).toMatch(/^metrics\.productionPattern: not a valid regular expression/);
  });

  it('surveys.minGroupSize below 3 is refused because answers could be traced', () => {
    expect(problems('surveys:\n  minGroupSize: 2\n')[0]).toMatch(/^surveys\.minGroupSize: minGroupSize below 3/);
  });

  it('a YAML syntax error gives the line', () => {
    expect(problems('server:\n  port: [3000\n')[0]).toMatch(/^YAML syntax error at line \d+/);
  });

  it('a circular YAML alias is a config error naming the key, not a JSON crash', () => {
    expect(() => parseConfigText('server: &a\n  host: *a\n')).toThrow(/server\.host: a YAML alias refers to a mapping or list that contains it/);
    expect(() => parseConfigText('catalog:\n  services: &s\n    - *s\n')).toThrow(/catalog\.services\[0\]: .*circular alias/);
    expect(() => parseConfigText('metrics: &m\n  nested:\n    back: *m\n')).toThrow(/metrics\.nested\.back: /);
    // An alias that does not loop is ordinary YAML and still validated as usual.
    const shared = parseConfigText("initiatives:\n  - { name: one, start: '2026-01-01', teams: &t [core, web] }\n  - { name: two, start: '2026-02-01', teams: *t }\n");
    expect(shared.initiatives.map((i) => i.teams)).toEqual([['core', 'web'], ['core', 'web']]);
  });

  it('a nested list item names its index', () => {
    expect(problems('catalog:\n  services:\n    - name: a\n      team: t\n      repo: not-a-repo\n')[0]).toMatch(/^catalog\.services\.0\.repo: expected owner\/name/);
  });

  it('an explicit PAVED_CONFIG that does not exist is an error, the default file missing is not', () => {
    expect(() => loadConfig({ PAVED_CONFIG: '/nonexistent/paved.yaml' })).toThrow(/does not exist/);
    expect(loadConfig({ PAVED_CONFIG: undefined } as NodeJS.ProcessEnv).config.server.port).toBe(3000);
  });

  it('a bad environment variable is named', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/);
  });
});
