'use client';

import { usePathname, useRouter } from 'next/navigation';
import { useEffect, useState, useTransition } from 'react';

export interface FilterValues {
  range: string;
  from: string;
  to: string;
  team?: string;
  service?: string;
  profile?: string;
}

interface Props {
  values: FilterValues;
  teams: string[];
  services: { service: string; team: string }[];
  fields: ('team' | 'service' | 'profile')[];
  /** Other parameters of the page (sort, metric…) that a filter change keeps. */
  keep?: Record<string, string>;
  windowLabel: string;
  windowNote: string;
  defaultProfile: string;
}

const RANGE_OPTIONS = [
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
  { value: '180', label: 'Last 180 days' },
  { value: '365', label: 'Last 365 days' },
  { value: 'custom', label: 'Custom…' },
];

function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}
function dayAfter(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/**
 * Filters live in the URL so a view can be shared. Works as a plain GET form; with JavaScript,
 * each change navigates at once and the page shows it is updating.
 */
export function FilterBar({ values, teams, services, fields, keep = {}, windowLabel, windowNote, defaultProfile }: Props) {
  const router = useRouter();
  const pathname = usePathname();
  const [pending, startTransition] = useTransition();
  const [hydrated, setHydrated] = useState(false);
  const [range, setRange] = useState(values.range);
  const [from, setFrom] = useState(values.from);
  const [until, setUntil] = useState(dayBefore(values.to));
  useEffect(() => setHydrated(true), []);
  useEffect(() => {
    setRange(values.range);
    setFrom(values.from);
    setUntil(dayBefore(values.to));
  }, [values.range, values.from, values.to]);

  function navigate(next: Partial<FilterValues> & { range: string }) {
    const merged = { ...values, ...next };
    const query = new URLSearchParams(keep);
    if (merged.range === 'custom') {
      query.set('from', merged.from);
      query.set('to', merged.to);
    } else if (merged.range !== '90') {
      query.set('range', merged.range);
    }
    if (merged.team) query.set('team', merged.team);
    if (merged.service) query.set('service', merged.service);
    if (merged.profile) query.set('profile', merged.profile);
    const qs = query.toString();
    startTransition(() => router.push(qs ? `${pathname}?${qs}` : pathname, { scroll: false }));
  }

  function applyCustom(nextFrom: string, nextUntil: string) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(nextFrom) || !/^\d{4}-\d{2}-\d{2}$/.test(nextUntil) || nextFrom > nextUntil) return;
    navigate({ range: 'custom', from: nextFrom, to: dayAfter(nextUntil) });
  }

  const visibleServices = values.team ? services.filter((s) => s.team === values.team) : services;
  return (
    <form
      className="filters"
      method="get"
      action={pathname}
      aria-label="Filters"
      aria-busy={pending}
      onSubmit={(event) => {
        event.preventDefault();
        if (range === 'custom') applyCustom(from, until);
        else navigate({ range });
      }}
    >
      {Object.entries(keep).map(([key, value]) => (
        <input key={key} type="hidden" name={key} value={value} />
      ))}
      <label className="field">
        <span>Time range</span>
        <select
          name="range"
          value={range}
          onChange={(event) => {
            const value = event.target.value;
            setRange(value);
            if (value !== 'custom') navigate({ range: value });
          }}
        >
          {RANGE_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>{option.label}</option>
          ))}
        </select>
      </label>
      {range === 'custom' ? (
        <>
          <label className="field">
            <span>From</span>
            <input type="date" name="from" value={from} max={until} required onChange={(event) => { setFrom(event.target.value); applyCustom(event.target.value, until); }} />
          </label>
          <label className="field">
            <span>To (inclusive)</span>
            <input type="date" name="until" value={until} min={from} required onChange={(event) => { setUntil(event.target.value); applyCustom(from, event.target.value); }} />
          </label>
        </>
      ) : null}
      {fields.includes('team') ? (
        <label className="field">
          <span>Team</span>
          <select name="team" value={values.team ?? ''} onChange={(event) => {
            const team = event.target.value || undefined;
            const keepService = values.service && services.some((s) => s.service === values.service && (!team || s.team === team));
            navigate({ range: values.range, team, service: keepService ? values.service : undefined });
          }}>
            <option value="">All teams</option>
            {teams.map((team) => (
              <option key={team} value={team}>{team}</option>
            ))}
          </select>
        </label>
      ) : null}
      {fields.includes('service') ? (
        <label className="field">
          <span>Service</span>
          <select name="service" value={values.service ?? ''} onChange={(event) => navigate({ range: values.range, service: event.target.value || undefined })}>
            <option value="">All services</option>
            {visibleServices.map((s) => (
              <option key={s.service} value={s.service}>{s.service}</option>
            ))}
          </select>
        </label>
      ) : null}
      {fields.includes('profile') ? (
        <label className="field">
          <span>Benchmark</span>
          <select name="profile" value={values.profile ?? ''} onChange={(event) => navigate({ range: values.range, profile: event.target.value || undefined })}>
            <option value="">DORA {defaultProfile} (configured)</option>
            {['2023', '2024'].filter((p) => p !== defaultProfile).map((p) => (
              <option key={p} value={p}>DORA {p}</option>
            ))}
          </select>
        </label>
      ) : null}
      {!hydrated || range === 'custom' ? <button className="button primary" type="submit">Apply</button> : null}
      <div className="window-label" aria-live="polite">
        {pending ? (
          <span className="pending"><span className="spinner" aria-hidden="true" />Updating…</span>
        ) : (
          <>
            <strong>{windowLabel}</strong>
            <br />
            <span>{windowNote}</span>
          </>
        )}
      </div>
    </form>
  );
}
