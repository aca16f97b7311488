'use client';

import type { SurveyDefinition, SurveyItem } from '@paved/schemas';
import { checkAnswer, checkFreeText, FREE_TEXT_MAX, itemsOf, ROLE_LABELS, scaleLabels, TENURE_LABELS } from '@paved/surveys/browser';
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';

export interface SavedSheet {
  team: string;
  tenure: string | null;
  role: string | null;
  answers: Record<string, number | null>;
  free_text: Record<string, string>;
  submitted: boolean;
}

interface Props {
  token: string;
  definition: SurveyDefinition;
  initial: SavedSheet;
  closesOn: string;
  flash: 'saved' | 'submitted' | null;
  invalid: string[];
}

type Status = { kind: 'idle' | 'saving' | 'saved' | 'submitted' | 'error'; text: string };

const NPS_VALUES = Array.from({ length: 11 }, (_, i) => i);

function toText(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

/**
 * The response form. Works without scripts (a plain POST, then a redirect back); with scripts it
 * saves a draft on every change, checks each answer as it is given and submits without reloading.
 */
export function SurveyForm({ token, definition, initial, closesOn, flash, invalid }: Props) {
  const items = itemsOf(definition);
  // The invitation fixes the team; the server refuses any other.
  const team = initial.team;
  const [tenure, setTenure] = useState(initial.tenure ?? '');
  const [role, setRole] = useState(initial.role ?? '');
  const [answers, setAnswers] = useState<Record<string, string>>(() => Object.fromEntries(items.filter((i) => i.kind !== 'free_text').map((i) => [i.id, toText(initial.answers[i.id])])));
  const [texts, setTexts] = useState<Record<string, string>>(() => Object.fromEntries(items.filter((i) => i.kind === 'free_text').map((i) => [i.id, initial.free_text[i.id] ?? ''])));
  const [errors, setErrors] = useState<Record<string, string>>(() => Object.fromEntries(invalid.map((id) => [id, 'This answer could not be saved: check it and try again.'])));
  const [submitted, setSubmitted] = useState(initial.submitted);
  const [status, setStatus] = useState<Status>(flash === 'submitted' ? { kind: 'submitted', text: 'Your answers are submitted. Thank you!' } : flash === 'saved' ? { kind: 'saved', text: 'Draft saved.' } : { kind: 'idle', text: initial.submitted ? 'You already submitted: changes you make are saved to the same response.' : '' });
  const [showSummary, setShowSummary] = useState(false);
  const summaryRef = useRef<HTMLDivElement>(null);
  const thanksRef = useRef<HTMLDivElement>(null);

  // Saves are sent one at a time, newest state last, so an older save never overwrites a newer one.
  const state = useRef({ team, tenure, role, answers, texts });
  state.current = { team, tenure, role, answers, texts };
  const inflight = useRef<Promise<void> | null>(null);
  const again = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const body = (submit: boolean) => {
    const s = state.current;
    const numeric: Record<string, number | string | null> = {};
    for (const [id, value] of Object.entries(s.answers)) numeric[id] = value.trim() === '' ? null : Number.isFinite(Number(value.replace(',', '.'))) ? Number(value.replace(',', '.')) : value;
    return JSON.stringify({ team: s.team, tenure: s.tenure || null, role: s.role || null, answers: numeric, free_text: s.texts, submit });
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: body() reads the answers from a ref, so the callback only changes with the token.
  const post = useCallback(async (submit: boolean): Promise<{ ok: boolean; errors: Record<string, string>; submitted?: boolean; message?: string }> => {
    const response = await fetch(`/api/surveys/${encodeURIComponent(token)}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: body(submit) });
    const json = (await response.json().catch(() => ({}))) as { errors?: Record<string, string>; submitted?: boolean; message?: string; title?: string };
    if (response.ok) return { ok: true, errors: json.errors ?? {}, submitted: json.submitted };
    return { ok: false, errors: json.errors ?? {}, message: json.title ? `${json.title}. ${json.message ?? ''}` : json.message ?? `Saving failed (HTTP ${response.status}).` };
  }, [token]);

  const saveDraft = useCallback(async () => {
    if (inflight.current) {
      again.current = true;
      return;
    }
    setStatus({ kind: 'saving', text: 'Saving…' });
    const run = (async () => {
      try {
        const result = await post(false);
        if (!result.ok) {
          setStatus({ kind: 'error', text: result.message ?? 'Saving failed.' });
          return;
        }
        // The server checked every field it was sent: its errors replace ours.
        setErrors(result.errors);
        const time = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
        setStatus({ kind: 'saved', text: result.submitted ? `Changes saved at ${time}.` : `Draft saved at ${time}; it counts once you submit.` });
      } catch {
        setStatus({ kind: 'error', text: 'Could not reach Paved; your answers are still on this page. Try Save again in a moment.' });
      }
    })();
    inflight.current = run;
    await run;
    inflight.current = null;
    if (again.current) {
      again.current = false;
      void saveDraft();
    }
  }, [post]);

  const saveSoon = (delay: number) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void saveDraft(), delay);
  };
  useEffect(() => () => { if (timer.current) clearTimeout(timer.current); }, []);

  const setError = (id: string, message: string | null) => setErrors((current) => {
    const next = { ...current };
    if (message) next[id] = message;
    else delete next[id];
    return next;
  });

  const onAnswer = (item: SurveyItem, value: string, delay = 0) => {
    setAnswers((current) => ({ ...current, [item.id]: value }));
    const check = checkAnswer(item, value);
    setError(item.id, check.ok ? null : check.message);
    if (check.ok) saveSoon(delay);
  };

  const onText = (id: string, value: string) => {
    setTexts((current) => ({ ...current, [id]: value }));
    const check = checkFreeText(value);
    setError(id, check.ok ? null : check.message);
    if (check.ok) saveSoon(1200);
  };

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    if (submitter?.value !== 'submit') {
      await saveDraft();
      return;
    }
    const local: Record<string, string> = {};
    if (!state.current.team) local.team = 'Choose your team.';
    for (const item of items) {
      if (item.kind === 'free_text') {
        const c = checkFreeText(state.current.texts[item.id]);
        if (!c.ok) local[item.id] = c.message;
      } else {
        const c = checkAnswer(item, state.current.answers[item.id]);
        if (!c.ok) local[item.id] = c.message;
      }
    }
    if (Object.keys(local).length) {
      setErrors(local);
      setShowSummary(true);
      requestAnimationFrame(() => summaryRef.current?.focus());
      return;
    }
    setStatus({ kind: 'saving', text: 'Submitting…' });
    try {
      if (inflight.current) await inflight.current;
      const result = await post(true);
      if (!result.ok) {
        setErrors(result.errors);
        setShowSummary(Object.keys(result.errors).length > 0);
        setStatus({ kind: 'error', text: result.message ?? 'Submitting failed.' });
        if (Object.keys(result.errors).length) requestAnimationFrame(() => summaryRef.current?.focus());
        return;
      }
      setErrors({});
      setShowSummary(false);
      setSubmitted(true);
      setStatus({ kind: 'submitted', text: 'Your answers are submitted. Thank you!' });
      requestAnimationFrame(() => thanksRef.current?.focus());
    } catch {
      setStatus({ kind: 'error', text: 'Could not reach Paved; your answers are still on this page. Try again in a moment.' });
    }
  };

  const errorIds = Object.keys(errors);
  const describedBy = (id: string, hint?: string) => [hint, errors[id] ? `err-${id}` : null].filter(Boolean).join(' ') || undefined;
  const errorLine = (id: string) => (errors[id] ? <p className="sv-error" id={`err-${id}`}>{errors[id]}</p> : null);
  const labelOf = (id: string) => (id === 'team' ? 'Your team' : id === 'tenure' ? 'Time at the company' : id === 'role' ? 'Role' : items.find((i) => i.id === id)?.text ?? id);

  const likert = (item: Extract<SurveyItem, { kind: 'likert' }>) => {
    const labels = scaleLabels(item.scale);
    return (
      <fieldset key={item.id} id={`q-${item.id}`} className="sv-question" aria-invalid={errors[item.id] ? true : undefined} aria-describedby={describedBy(item.id)}>
        <legend>{item.text}</legend>
        <div className="sv-scale" style={{ ['--options' as string]: 5 }}>
          {labels.map((label, i) => (
            <label className="sv-option" key={label}>
              <input type="radio" name={`a:${item.id}`} value={i + 1} checked={answers[item.id] === String(i + 1)} onChange={() => onAnswer(item, String(i + 1))} />
              <span>{label}</span>
            </label>
          ))}
          <label className="sv-option sv-skip">
            <input type="radio" name={`a:${item.id}`} value="" checked={answers[item.id] === ''} onChange={() => onAnswer(item, '')} />
            <span>Skip</span>
          </label>
        </div>
        {errorLine(item.id)}
      </fieldset>
    );
  };

  const extra = (item: SurveyItem) => {
    if (item.kind === 'enps') {
      return (
        <fieldset key={item.id} id={`q-${item.id}`} className="sv-question" aria-invalid={errors[item.id] ? true : undefined} aria-describedby={describedBy(item.id, `hint-${item.id}`)}>
          <legend>{item.text}</legend>
          <div className="sv-scale sv-nps">
            {NPS_VALUES.map((n) => (
              <label className="sv-option" key={n}>
                <input type="radio" name={`a:${item.id}`} value={n} checked={answers[item.id] === String(n)} onChange={() => onAnswer(item, String(n))} />
                <span>{n}<span className="visually-hidden">{n === 0 ? ' (not at all likely)' : n === 10 ? ' (extremely likely)' : ''}</span></span>
              </label>
            ))}
            <label className="sv-option sv-skip">
              <input type="radio" name={`a:${item.id}`} value="" checked={answers[item.id] === ''} onChange={() => onAnswer(item, '')} />
              <span>Skip</span>
            </label>
          </div>
          <div className="sv-nps-ends" id={`hint-${item.id}`} aria-hidden="true"><span>0 = not at all likely</span><span>10 = extremely likely</span></div>
          {errorLine(item.id)}
        </fieldset>
      );
    }
    if (item.kind === 'hours_lost') {
      return (
        <div key={item.id} className="sv-field" id={`q-${item.id}`} aria-invalid={errors[item.id] ? true : undefined}>
          <label htmlFor={`in-${item.id}`}>{item.text}</label>
          <p className="sv-hint" id={`hint-${item.id}`}>Hours per week, 0 to {item.max}; a rough figure is fine. Leave it empty to skip.</p>
          <input
            id={`in-${item.id}`} type="number" inputMode="decimal" name={`a:${item.id}`} min={0} max={item.max} step={0.5}
            value={answers[item.id] ?? ''} aria-invalid={errors[item.id] ? true : undefined} aria-describedby={describedBy(item.id, `hint-${item.id}`)}
            onChange={(e) => onAnswer(item, e.target.value, 1200)} onBlur={() => void saveDraft()}
          />
          {errorLine(item.id)}
        </div>
      );
    }
    if (item.kind === 'free_text') {
      const length = (texts[item.id] ?? '').length;
      return (
        <div key={item.id} className="sv-field" id={`q-${item.id}`} aria-invalid={errors[item.id] ? true : undefined}>
          <label htmlFor={`in-${item.id}`}>{item.text}</label>
          <p className="sv-hint" id={`hint-${item.id}`}>Optional. Shown word for word to the survey owners, only for groups of people large enough to stay anonymous; please leave out names and anything that identifies you. {length > FREE_TEXT_MAX * 0.8 ? `${length} of ${FREE_TEXT_MAX} characters.` : ''}</p>
          <textarea
            id={`in-${item.id}`} name={`t:${item.id}`} rows={4} maxLength={FREE_TEXT_MAX + 200} value={texts[item.id] ?? ''}
            aria-invalid={errors[item.id] ? true : undefined} aria-describedby={describedBy(item.id, `hint-${item.id}`)}
            onChange={(e) => onText(item.id, e.target.value)} onBlur={() => void saveDraft()}
          />
          {errorLine(item.id)}
        </div>
      );
    }
    return null;
  };

  const band = (name: 'tenure' | 'role', legend: string, labels: Record<string, string>, value: string, set: (v: string) => void) => (
    <fieldset className="sv-question" id={`q-${name}`} aria-invalid={errors[name] ? true : undefined} aria-describedby={describedBy(name)}>
      <legend>{legend} <span className="muted" style={{ fontWeight: 400 }}>(optional)</span></legend>
      <div className="sv-scale" style={{ ['--options' as string]: Object.keys(labels).length }}>
        {Object.entries(labels).map(([v, label]) => (
          <label className="sv-option" key={v}>
            <input type="radio" name={name} value={v} checked={value === v} onChange={() => { set(v); setError(name, null); saveSoon(0); }} />
            <span>{label}</span>
          </label>
        ))}
        <label className="sv-option sv-skip">
          <input type="radio" name={name} value="" checked={value === ''} onChange={() => { set(''); saveSoon(0); }} />
          <span>Prefer not to say</span>
        </label>
      </div>
      {errorLine(name)}
    </fieldset>
  );

  return (
    <form method="post" action={`/api/surveys/${encodeURIComponent(token)}`} onSubmit={onSubmit} noValidate>
      {status.kind === 'submitted' || submitted ? (
        <div className="banner good" role="status" tabIndex={-1} ref={thanksRef}>
          <span>
            <strong>{status.kind === 'submitted' ? 'Thank you: your answers count.' : 'You have submitted this survey.'}</strong> You can come back with the same link and change them until the survey closes ({closesOn}).
          </span>
        </div>
      ) : null}
      {showSummary && errorIds.length ? (
        <div className="failure sv-summary" role="alert" tabIndex={-1} ref={summaryRef}>
          <h2>{errorIds.length === 1 ? 'One answer needs attention' : `${errorIds.length} answers need attention`}</h2>
          <ul>
            {errorIds.map((id) => (
              <li key={id}><a href={`#q-${id}`}>{labelOf(id)}</a>: {errors[id]}</li>
            ))}
          </ul>
        </div>
      ) : null}

      <fieldset className="sv-section">
        <legend>About you</legend>
        <p className="sv-section-note">Only your team and these broad bands are kept with your answers, never your name or email.</p>
        <div className="sv-field" id="q-team" aria-invalid={errors.team ? true : undefined}>
          <label htmlFor="in-team">Your team</label>
          <input id="in-team" name="team" value={team} readOnly aria-describedby="team-fixed" />
          <p id="team-fixed" className="sv-section-note">Set by your invitation, so that no one can file answers under a small team they are not in.</p>
          {errorLine('team')}
        </div>
        {band('tenure', 'How long have you been at the company?', TENURE_LABELS, tenure, setTenure)}
        {band('role', 'Which describes your role best?', ROLE_LABELS, role, setRole)}
      </fieldset>

      {definition.drivers.map((driver) => (
        <fieldset className="sv-section" key={driver.id}>
          <legend>{driver.label}</legend>
          {driver.description ? <p className="sv-section-note">{driver.description}</p> : null}
          {driver.items.map(likert)}
        </fieldset>
      ))}

      {definition.extra_items.length ? (
        <fieldset className="sv-section">
          <legend>Overall</legend>
          {definition.extra_items.map(extra)}
        </fieldset>
      ) : null}

      <div className="sv-actions">
        <button type="submit" name="action" value="submit" className="button primary">{submitted ? 'Save changes' : 'Submit answers'}</button>
        <button type="submit" name="action" value="save" className="button">Save and finish later</button>
        <p className="sv-status" role="status" aria-live="polite" title={status.text}>{status.kind !== 'submitted' ? status.text : ''}</p>
      </div>
    </form>
  );
}
