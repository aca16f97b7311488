'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';

interface DemoState {
  loaded: boolean;
  loading: boolean;
  progress: number;
  message: string;
  /** The transform after the load finished: the metrics cover the whole organisation. */
  metricsReady?: boolean;
}

interface Health {
  demo?: DemoState | null;
  schedule?: { lastRun: string | null; lastStatus: string | null };
}

/**
 * While the demo organisation loads, polls /api/health. The metrics are recomputed on the part
 * loaded so far every 30 s or so: each time such a run finishes, the page refreshes so its numbers
 * grow with the load; once the demo is in and the transform that follows has finished, a last
 * refresh shows the whole organisation.
 */
export function DemoProgress({ initial }: { initial: DemoState }) {
  const router = useRouter();
  const [state, setState] = useState(initial);
  const [computing, setComputing] = useState(false);
  useEffect(() => {
    if (!initial.loading) return;
    let loadedAt: number | null = null;
    /** The last run seen finished while loading (undefined: no poll yet). */
    let okWhileLoading: string | null | undefined;
    const timer = setInterval(async () => {
      try {
        const response = await fetch('/api/health', { cache: 'no-store' });
        const body = (await response.json()) as Health;
        if (!body.demo) return;
        setState(body.demo);
        const lastRun = body.schedule?.lastRun ?? null;
        const ok = body.schedule?.lastStatus === 'ok';
        if (!body.demo.loaded) {
          // A transform over the part loaded so far finished: show its numbers.
          if (ok && okWhileLoading !== undefined && lastRun !== okWhileLoading) router.refresh();
          if (ok || okWhileLoading === undefined) okWhileLoading = ok ? lastRun : null;
          return;
        }
        loadedAt ??= Date.now();
        setComputing(true);
        // The transform after the load has finished (or keeps failing: Data health says why).
        if (body.demo.metricsReady || Date.now() - loadedAt > 120_000) {
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
