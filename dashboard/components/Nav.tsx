'use client';

import type { ReactNode } from 'react';
import { useEffect, useRef } from 'react';
import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { icons } from './icons';

const PAGES = [
  { href: '/', label: 'Overview', icon: icons.overview },
  { href: '/dora', label: 'DORA explorer', icon: icons.dora },
  { href: '/flow', label: 'Flow', icon: icons.flow },
  { href: '/adoption', label: 'Adoption', icon: icons.adoption },
  { href: '/incidents', label: 'Incidents', icon: icons.alert },
  { href: '/surveys', label: 'Surveys', icon: icons.surveys },
  { href: '/digests', label: 'Digests', icon: icons.digests },
  { href: '/roadmap', label: 'Roadmap', icon: icons.roadmap },
  { href: '/roi', label: 'ROI', icon: icons.roi },
  { href: '/health', label: 'Data health', icon: icons.health },
];

const SOON: { label: string; icon: ReactNode }[] = [];

/** The time window and team travel with you from page to page. */
const CARRIED = ['range', 'from', 'to', 'team'];

function isCurrent(pathname: string, href: string): boolean {
  return href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`);
}

/** `admin`: the Settings page is listed (for everyone else its actions are refused anyway). */
export function Nav({ admin = false }: { admin?: boolean }) {
  const pathname = usePathname();
  const search = useSearchParams();
  const carried = new URLSearchParams();
  for (const key of CARRIED) {
    const value = search.get(key);
    if (value) carried.set(key, value);
  }
  const suffix = carried.size ? `?${carried}` : '';
  const pages = admin ? [...PAGES, { href: '/settings', label: 'Settings', icon: icons.settings }] : PAGES;
  const list = useRef<HTMLUListElement>(null);
  // On a phone the list is a strip that scrolls sideways: bring the current page's link into it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again on each navigation (pathname), reading the DOM it changed.
  useEffect(() => {
    const strip = list.current;
    const current = strip?.querySelector<HTMLElement>('[aria-current="page"]');
    if (!strip || !current || strip.scrollWidth <= strip.clientWidth) return;
    strip.scrollLeft = Math.max(0, current.offsetLeft - strip.offsetLeft - 24);
  }, [pathname]);
  return (
    <nav aria-label="Main" className="sidebar">
      <div className="nav-group">
        <div className="nav-heading" id="nav-metrics">Metrics</div>
        <ul className="nav-list" aria-labelledby="nav-metrics" ref={list}>
          {pages.map((page) => (
            <li key={page.href}>
              <Link className="nav-link" href={`${page.href}${page.href === '/health' || page.href === '/settings' ? '' : suffix}`} aria-current={isCurrent(pathname, page.href) ? 'page' : undefined}>
                {page.icon}
                {page.label}
              </Link>
            </li>
          ))}
        </ul>
      </div>
      {SOON.length ? <div className="nav-group">
        <div className="nav-heading" id="nav-soon">Coming next</div>
        <ul className="nav-list" aria-labelledby="nav-soon">
          {SOON.map((item) => (
            <li key={item.label}>
              <span className="nav-link disabled" aria-disabled="true" title={`${item.label} arrives with its own feature`}>
                {item.icon}
                {item.label}
                <span className="soon">soon</span>
              </span>
            </li>
          ))}
        </ul>
      </div> : null}
      <div className="sidebar-foot">
        <a href="/docs/api" className="muted">API reference</a> · <a href="/api/health" className="muted">Health API</a>
      </div>
    </nav>
  );
}
