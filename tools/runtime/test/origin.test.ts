import { describe, expect, it } from 'vitest';
import { hostAllowed, originAllowed, publicOriginsOf } from '../src/origin.js';

const none: string[] = [];
const proxied = publicOriginsOf({ server: { publicUrl: 'https://paved.example.com' }, surveys: { publicUrl: 'https://survey.example.com:8443/s' } });

describe('Host allow-list (without sign-in)', () => {
  it.each(['localhost', 'localhost:3000', '127.0.0.1:3302', '[::1]:3000', 'LOCALHOST:80'])('loopback name %s is allowed on any port', (host) => {
    expect(hostAllowed(host, none)).toBe(true);
  });

  it.each(['rebind.attacker.example:3302', 'rebind.attacker.example', '127.0.0.1.attacker.example', 'localhost.attacker.example:3000', '10.0.0.5:3000', '0.0.0.0:3000', '', 'localhost@evil.example', 'localhost/x'])(
    'anything else (%s) is refused', (host) => {
      expect(hostAllowed(host, none)).toBe(false);
    },
  );

  it('a missing Host is refused', () => {
    expect(hostAllowed(undefined, none)).toBe(false);
    expect(hostAllowed(null, none)).toBe(false);
  });

  it('the host of a configured public URL is allowed, with its port (the default port may be written or not)', () => {
    expect(proxied).toEqual(['https://paved.example.com', 'https://survey.example.com:8443']);
    expect(hostAllowed('paved.example.com', proxied)).toBe(true);
    expect(hostAllowed('paved.example.com:443', proxied)).toBe(true);
    expect(hostAllowed('PAVED.example.com', proxied)).toBe(true);
    expect(hostAllowed('paved.example.com:3000', proxied)).toBe(false);
    expect(hostAllowed('survey.example.com:8443', proxied)).toBe(true);
    expect(hostAllowed('survey.example.com', proxied)).toBe(false);
    expect(hostAllowed('evil.paved.example.com', proxied)).toBe(false);
  });
});

describe('one origin rule for state-changing requests', () => {
  const post = (facts: { host?: string; origin?: string; referer?: string }) => ({ method: 'POST', host: facts.host, origin: facts.origin, referer: facts.referer });

  it('reads (GET, HEAD, OPTIONS) need no origin', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) expect(originAllowed({ method, host: 'localhost:3000', origin: 'https://evil.example', referer: null }, none)).toBe(true);
  });

  it('an Origin naming the Host it was sent to is allowed', () => {
    expect(originAllowed(post({ host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' }), none)).toBe(true);
  });

  it('a configured public origin is allowed whatever the Host (behind a proxy)', () => {
    expect(originAllowed(post({ host: '10.0.0.5:3000', origin: 'https://paved.example.com' }), proxied)).toBe(true);
  });

  it('a foreign Origin is refused', () => {
    expect(originAllowed(post({ host: '127.0.0.1:3000', origin: 'https://evil.example' }), proxied)).toBe(false);
    expect(originAllowed(post({ host: '127.0.0.1:3000', origin: 'http://127.0.0.1:4000' }), none)).toBe(false);
    expect(originAllowed(post({ host: '127.0.0.1:3000', origin: 'null' }), none)).toBe(false);
  });

  it('without Origin the Referer decides', () => {
    expect(originAllowed(post({ host: '127.0.0.1:3000', referer: 'http://127.0.0.1:3000/settings' }), none)).toBe(true);
    expect(originAllowed(post({ host: '127.0.0.1:3000', referer: 'https://evil.example/page' }), none)).toBe(false);
  });

  it('neither Origin nor Referer is refused (the same for the sign-in gate and loopback mode; programs send the admin token)', () => {
    expect(originAllowed(post({ host: '127.0.0.1:3000' }), none)).toBe(false);
    expect(originAllowed(post({ host: 'paved.example.com' }), proxied)).toBe(false);
  });
});
