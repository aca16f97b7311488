/**
 * A person's verdict on a failure link, posted as a plain form to /api/admin/overrides, which
 * saves it, recomputes the metrics and answers 303 back to `returnTo` with `saved` or `error`.
 */
export function OverrideForm({ deploymentId, incidentId, returnTo, verdict, text, title, danger }: { deploymentId: string; incidentId: string; returnTo: string; verdict: 'reject' | 'confirm'; text: string; title: string; danger?: boolean }) {
  return (
    <details className="override">
      <summary className={`button small ${danger ? 'danger' : ''}`}>{text}</summary>
      <form className="override-form" method="post" action="/api/admin/overrides">
        <input type="hidden" name="deploymentId" value={deploymentId} />
        <input type="hidden" name="incidentId" value={incidentId} />
        <input type="hidden" name="verdict" value={verdict} />
        <input type="hidden" name="returnTo" value={returnTo} />
        <p>{title}</p>
        <label className="field">
          <span>Note (optional, kept with the override)</span>
          <input type="text" name="note" maxLength={500} placeholder="e.g. incident was a provider outage" />
        </label>
        <button className={`button small ${danger ? 'danger' : 'primary'}`} type="submit">Save and recompute</button>
      </form>
    </details>
  );
}
