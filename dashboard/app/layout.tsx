import { currentRuntime } from '@paved/runtime';
import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { Suspense } from 'react';
import { DemoProgress } from '@/components/DemoProgress';
import { icons, Logo } from '@/components/icons';
import { Nav } from '@/components/Nav';
import { ScrollRegions } from '@/components/ScrollRegions';
import { viewerIsAdmin } from '@/lib/request';
import { currentSession } from '@/lib/session';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Paved', template: '%s · Paved' },
  description: 'DORA metrics and platform adoption analytics',
};

export const dynamic = 'force-dynamic';

async function status(): Promise<{ ok: boolean; label: string } | null> {
  const rt = currentRuntime();
  if (!rt) return null;
  try {
    const report = await rt.health();
    return { ok: report.ok, label: report.ok ? `${report.warehouse.mode} warehouse · ${report.bus.kind} bus` : 'Something needs attention' };
  } catch {
    return { ok: false, label: 'Health check failed' };
  }
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  const rt = currentRuntime();
  const health = await status();
  const session = rt?.authRequired ? await currentSession() : null;
  // Settings is in the navigation for admins only (its actions are checked again on the server).
  const admin = rt ? await viewerIsAdmin().catch(() => false) : false;
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">Skip to content</a>
        <div className="shell">
          <header className="topbar">
            <a className="brand" href="/">
              <Logo />
              Paved
              <small>DORA metrics &amp; platform adoption</small>
            </a>
            <div className="topbar-status">
              {rt ? <span>Benchmarks: DORA {rt.config.metrics.benchmarkProfile}</span> : null}
              {health ? (
                <a href="/health" title="Warehouse, bus and schedule status">
                  <span className={`dot ${health.ok ? 'ok' : 'bad'}`} aria-hidden="true" />
                  {health.label}
                </a>
              ) : null}
              {session ? (
                <form method="post" action="/auth/signout" className="signed-in">
                  <span title={session.email ?? session.sub}>{session.name ?? session.email ?? session.sub} · {session.role}</span>
                  <button type="submit" className="button small">Sign out</button>
                </form>
              ) : null}
            </div>
          </header>
          <Suspense fallback={<nav aria-label="Main" className="sidebar" />}>
            <Nav admin={admin} />
          </Suspense>
          <main id="main" className="main" tabIndex={-1}>
            {rt && !rt.authRequired ? (
              <div className="banner warn" role="note">
                {icons.lock}
                <span>
                  <strong>No sign-in configured:</strong> Paved is serving on 127.0.0.1 only, and everyone who can reach it is an admin. To share it, configure sign-in through your OpenID Connect provider (<code>auth.oidc</code>; see <code>docs/sign-in.md</code>).
                </span>
              </div>
            ) : null}
            {rt?.demo ? (
              <div className="banner info" role="note">
                {icons.info}
                <span className="grow">
                  <strong>Demo organisation (generated data).</strong>{' '}
                  {rt.demo.loading ? <DemoProgress initial={{ ...rt.demo }} /> : rt.demo.message.startsWith('demo failed') ? <span>{rt.demo.message}</span> : null}
                  {!rt.demo.loading ? <>Every number comes from a simulated company. For yours: <code>paved start --no-demo</code>, then <code>paved connect github</code> (or Settings) checks a token, creates the webhook and backfills.</> : null}
                </span>
              </div>
            ) : null}
            {children}
          </main>
          <ScrollRegions />
        </div>
      </body>
    </html>
  );
}
