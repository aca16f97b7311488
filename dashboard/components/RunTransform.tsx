'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';

/** Recomputes the metrics now (admin) and shows the page again with them. */
export function RunTransform() {
  const router = useRouter();
  const [state, setState] = useState<'idle' | 'running' | 'failed' | 'forbidden'>('idle');
  const [, startTransition] = useTransition();
  async function run() {
    setState('running');
    try {
      const response = await fetch('/api/admin/transform', { method: 'POST' });
      if (response.status === 403 || response.status === 401) return setState('forbidden');
      if (!response.ok) throw new Error(String(response.status));
      setState('idle');
      startTransition(() => router.refresh());
    } catch {
      setState('failed');
    }
  }
  return (
    <span className="inline-form">
      <button type="button" className="button primary small" onClick={run} disabled={state === 'running'}>
        {state === 'running' ? 'Computing…' : 'Compute the metrics now'}
      </button>
      {state === 'failed' ? <span role="alert" className="muted">That did not work; see Data health.</span> : null}
      {state === 'forbidden' ? <span role="alert" className="muted">Only an admin can do this; ask one, or wait for the schedule.</span> : null}
    </span>
  );
}
