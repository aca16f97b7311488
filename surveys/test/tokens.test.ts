import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSurveySecret, mintInvite, surveyKeys, verifyToken } from '../src/tokens.js';
import { keys } from './harness.js';

describe('invite tokens', () => {
  it('a minted link verifies and names its campaign', () => {
    const { token, inviteKey } = mintInvite(keys, 'dx-2026-q1');
    const check = verifyToken(keys, token);
    expect(check).toMatchObject({ ok: true, campaignId: 'dx-2026-q1', inviteKey });
  });

  it('the same link always maps to the same response id; another link to another', () => {
    const a = mintInvite(keys, 'dx');
    const b = mintInvite(keys, 'dx');
    const first = verifyToken(keys, a.token);
    const again = verifyToken(keys, a.token);
    const other = verifyToken(keys, b.token);
    expect(first.ok && again.ok && other.ok).toBe(true);
    if (!first.ok || !again.ok || !other.ok) return;
    expect(again.responseId).toBe(first.responseId);
    expect(other.responseId).not.toBe(first.responseId);
    expect(first.responseId).not.toBe(first.inviteKey);
  });

  it('a tampered link is refused: any changed character of campaign, random id or signature', () => {
    const { token } = mintInvite(keys, 'dx');
    const [campaign, random, mac] = token.split('.') as [string, string, string];
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    expect(verifyToken(keys, `dy.${random}.${mac}`)).toEqual({ ok: false, reason: 'tampered' });
    expect(verifyToken(keys, `${campaign}.${flip(random, 3)}.${mac}`)).toEqual({ ok: false, reason: 'tampered' });
    expect(verifyToken(keys, `${campaign}.${random}.${flip(mac, 5)}`)).toEqual({ ok: false, reason: 'tampered' });
  });

  it('a link signed with another secret is refused', () => {
    const other = surveyKeys('another installation secret, also long');
    expect(verifyToken(keys, mintInvite(other, 'dx').token)).toEqual({ ok: false, reason: 'tampered' });
  });

  it('garbage and truncated links are malformed, not errors', () => {
    const { token } = mintInvite(keys, 'dx');
    for (const bad of ['', 'x', token.slice(0, -1), `${token}x`, '../../etc/passwd', token.replace('.', '')]) {
      expect(verifyToken(keys, bad)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('a short secret is refused with a fix', () => {
    expect(() => surveyKeys('short')).toThrow(/at least 16 characters/);
  });
});

describe('the survey secret', () => {
  it('is generated once into the data directory with mode 0600 and reused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paved-secret-'));
    const first = loadSurveySecret({}, dir);
    expect(first.length).toBeGreaterThanOrEqual(40);
    expect(statSync(join(dir, 'survey.secret')).mode & 0o777).toBe(0o600);
    expect(loadSurveySecret({}, dir)).toBe(first);
    expect(readFileSync(join(dir, 'survey.secret'), 'utf8')).toBe(first);
  });

  it('SURVEY_TOKEN_SECRET wins and nothing is written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paved-secret-'));
    expect(loadSurveySecret({ SURVEY_TOKEN_SECRET: 'from the environment, long enough' }, dir)).toBe('from the environment, long enough');
    expect(() => statSync(join(dir, 'survey.secret'))).toThrow();
  });
});
