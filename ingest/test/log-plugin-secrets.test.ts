import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';

describe('the logger and a source plugin\'s secrets', () => {
  it('redacts the value of any variable named like a secret, not only the listed ones', () => {
    const lines: string[] = [];
    const env = { SHIPIT_WEBHOOK_TOKEN: 'shipit-token-value', ACME_API_KEY: 'acme-key-value', SHIPIT_URL: 'https://shipit.example' };
    const log = createLogger('ingest', { env, write: (line) => lines.push(line) });
    log('warn', 'webhook rejected', { header: 'shipit-token-value', key: 'acme-key-value', url: 'https://shipit.example' });
    const text = lines.join('\n');
    expect(text).not.toContain('shipit-token-value');
    expect(text).not.toContain('acme-key-value');
    expect(text).toContain('https://shipit.example');
  });
});
