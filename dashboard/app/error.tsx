'use client';

import { usePathname } from 'next/navigation';
import { useEffect } from 'react';

const PAGES: Record<string, string> = {
  '/': 'the overview',
  '/dora': 'the DORA explorer',
  '/dora/explain': 'the drill-down',
  '/flow': 'the flow page',
  '/adoption': 'the adoption page',
  '/health': 'the data health page',
};

/** Last resort when a page fails while rendering (data failures are caught in the pages and named there). */
export default function PageError({ error, retry }: { error: unknown; retry: () => void }) {
  const pathname = usePathname();
  const digest = error instanceof Error ? (error as Error & { digest?: string }).digest : undefined;
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <div className="failure" role="alert" style={{ marginTop: 16 }}>
      <h2>Could not show {PAGES[pathname] ?? 'this page'}</h2>
      <p>
        The server failed while rendering it. Nothing was changed. The server log has the cause
        {digest ? <> under the reference <code>{digest}</code></> : null}.
      </p>
      <p>
        Check that Paved is running and its warehouse answers on <a href="/health">Data health</a> or <a href="/api/health">/api/health</a>, then{' '}
        <button type="button" className="button small" onClick={() => retry()}>Try again</button>
      </p>
    </div>
  );
}
