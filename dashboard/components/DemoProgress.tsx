'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';

interface DemoState {
  loaded: boolean;
  loading: boolean;
  progress: number;
  message: string;
}

interface Health {
  demo?: DemoState | null;
  schedule?: { lastRun: string | null; lastStatus: string | null };
}

/**
 * While the demo organisation loads, polls /api/health; once it is in and the transform that
 * follows has finished, refreshes the page so the numbers appear.
 */
export function DemoProgress({ initial }: { initial: DemoState }) {
  const router = useRouter();
  const [state, setState] = useState(initial);
  const [computing, setComputing] = useState(false);
  useEffect(() => {
    if (!initial.loading) return;
    let loadedAt: number | null = null;
    const timer = setInterval(async () => {
      try {
        const response = await fetch('/api/health', { cache: 'no-store' });
        const body = (await response.json()) as Health;
        if (!body.demo) return;
        setState(body.demo);
        if (!body.demo.loaded) return;
        loadedAt ??= Date.now();
        setComputing(true);
        const run = body.schedule?.lastRun ? Date.parse(body.schedule.lastRun) : 0;
        const transformDone = body.schedule?.lastStatus !== 'running' && run >= loadedAt - 5_000;
        if (transformDone || Date.now() - loadedAt > 60_000) {
          clearInterval(timer);
          router.refresh();
          setComputing(false);
        }
      } catch {
        // The next poll tries again.
      }
    }, 1_500);
    return () => clearInterval(timer);
  }, [initial.loading, router]);
  const percent = Math.round(state.progress * 100);
  if (!state.loading && !computing) return null;
  return (
    <span role="status" aria-live="polite">
      <span className="progress" role="progressbar" aria-valuenow={percent} aria-valuemin={0} aria-valuemax={100} aria-label="Demo loading progress">
        <span style={{ width: `${percent}%` }} />
      </span>
      {computing ? 'computing the metrics…' : `${percent} % · ${state.message}`}
    </span>
  );
}
