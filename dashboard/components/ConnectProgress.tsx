'use client';

import type { ConnectState } from '@paved/runtime';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';

const PHASES: { phase: ConnectState['phase']; label: string }[] = [
  { phase: 'checking', label: 'Permissions' },
  { phase: 'webhooks', label: 'Webhook' },
  { phase: 'backfill', label: 'Backfill' },
  { phase: 'transform', label: 'Metrics' },
];

/**
 * The current connection, followed live (GET /api/admin/connect/github every second while it
 * runs). A finished connection that created webhooks lands on Data health.
 */
export function ConnectProgress({ initial, running: initiallyRunning }: { initial: ConnectState | null; running: boolean }) {
  const router = useRouter();
  const [state, setState] = useState(initial);
  const [running, setRunning] = useState(initiallyRunning);
  useEffect(() => {
    if (!running) return;
    let stopped = false;
    const timer = setInterval(async () => {
      try {
        const response = await fetch('/api/admin/connect/github', { headers: { accept: 'application/json' } });
        if (!response.ok || stopped) return;
        const answer = (await response.json()) as { running: boolean; state: ConnectState | null };
        setState(answer.state);
        if (!answer.running) {
          setRunning(false);
          // Done with webhooks: Data health. Otherwise show the page again (its form is usable again).
          if (answer.state?.phase === 'done' && answer.state.hooks.length > 0) router.push('/health?connected=github');
          else router.refresh();
        }
      } catch {
        // The next tick tries again.
      }
    }, 1_000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [running, router]);

  if (!state) return null;
  const current = PHASES.findIndex((p) => p.phase === state.phase);
  const failed = state.phase === 'failed';
  return (
    <div className="connect-progress" aria-live="polite">
      <ol className="connect-steps">
        {PHASES.map((p, index) => {
          const status = state.phase === 'done' || (current >= 0 && index < current) ? 'done' : index === current ? 'active' : 'todo';
          return <li key={p.phase} className={`connect-step ${status}`}>{p.label}</li>;
        })}
      </ol>
      <p className={`banner ${failed ? 'bad' : state.phase === 'done' ? 'good' : 'info'}`} role={failed ? 'alert' : 'status'}>
        <span className="grow">{state.message}</span>
      </p>
      {state.phase === 'backfill' && state.backfill ? (
        <div className="connect-bar">
          <progress max={state.backfill.total} value={state.backfill.done} aria-label="Backfill progress" />
          <span className="muted">{state.backfill.done} of {state.backfill.total} steps · {state.backfill.label}</span>
        </div>
      ) : null}
      {state.access?.missing.length ? (
        <div className="table-wrap" role="region" aria-label="Missing permissions" tabIndex={0}>
          <table>
            <caption className="visually-hidden">Permissions the {state.access.credential} lacks</caption>
            <thead><tr><th scope="col">Missing</th><th scope="col">Why Paved needs it</th><th scope="col">How to grant it</th></tr></thead>
            <tbody>
              {state.access.missing.map((m) => (
                <tr key={`${m.permission}:${m.level}`}>
                  <td className="name">{m.label}</td>
                  <td>{m.why}</td>
                  <td>{m.grant}<div className="muted small">{m.evidence}</div></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {state.hooks.length ? (
        <ul className="connect-hooks">
          {state.hooks.map((hook) => (
            <li key={hook.target}>Webhook {hook.action} on <strong>{hook.target.replace(/^org:/, 'the organisation ').replace(/^repo:/, '')}</strong> (#{hook.id}): {hook.events.join(', ')}</li>
          ))}
        </ul>
      ) : null}
      {state.notes.length ? <ul className="connect-notes">{state.notes.map((note) => <li key={note}>{note}</li>)}</ul> : null}
      {state.phase === 'done' && state.hooks.length ? <p><a className="button primary" href="/health?connected=github">Open Data health</a></p> : null}
    </div>
  );
}
