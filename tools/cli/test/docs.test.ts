import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PavedEnv } from '@paved/schemas';
import type { Command } from 'commander';
import { program } from '../src/main.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const docsPages = (dir = 'docs'): string[] => readdirSync(join(ROOT, dir)).flatMap((name) => {
  const path = `${dir}/${name}`;
  if (statSync(join(ROOT, path)).isDirectory()) return docsPages(path);
  return name.endsWith('.md') ? [path] : [];
});
/** Relative links of a markdown file, resolved from the repository root, without anchors. */
const linksOf = (path: string) => [...read(path).matchAll(/\]\(([^)\s]+)\)/g)]
  .map((m) => m[1]!)
  .filter((href) => !/^(https?:|mailto:|#)/.test(href))
  .map((href) => join(dirname(path), href.split('#')[0]!).replace(/\/$/, ''));

describe('the documentation', () => {
  it('README stays short: what Paved is, the two commands, where to go next', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThan(150);
    expect(readme).toContain('pnpm paved start');
    expect(readme).toContain('pnpm run test:all');
    expect(read('.ci/run')).toContain('pnpm run test:all');
  });

  it('every relative link points at a file that exists', () => {
    const broken = ['README.md', ...docsPages()].flatMap((page) => linksOf(page).filter((target) => !existsSync(join(ROOT, target))).map((target) => `${page} → ${target}`));
    expect(broken).toEqual([]);
  });

  it('every docs page can be reached from the README', () => {
    const seen = new Set<string>();
    const visit = (page: string) => {
      for (const target of linksOf(page)) {
        const pages = existsSync(join(ROOT, target)) && statSync(join(ROOT, target)).isDirectory() ? docsPages(target) : [target];
        for (const p of pages) if (p.endsWith('.md') && p.startsWith('docs/') && !seen.has(p)) {
          seen.add(p);
          visit(p);
        }
      }
    };
    visit('README.md');
    expect(docsPages().filter((page) => !seen.has(page))).toEqual([]);
  });

  it('every environment variable Paved reads is documented', () => {
    const docs = docsPages().map(read).join('\n');
    const missing = Object.keys(PavedEnv.shape).filter((name) => !docs.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('every paved command is in docs/commands.md', () => {
    const commands = read('docs/commands.md');
    const names = (command: Command, prefix: string): string[] => command.commands.flatMap((c) => [`${prefix}${c.name()}`, ...names(c, `${prefix}${c.name()} `)]);
    const missing = names(program(), 'paved ').filter((name) => !commands.includes(name));
    expect(missing).toEqual([]);
  });
});
