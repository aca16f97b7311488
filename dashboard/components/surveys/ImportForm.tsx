'use client';

import { useState, type FormEvent } from 'react';

interface Report {
  rows: number;
  imported: number;
  rejected: { line: number; reasons: string[] }[];
  ignoredColumns: string[];
  missingColumns: string[];
}

/** Uploads a CSV of responses and shows the validation report: what landed, and every rejected row with why. */
export function ImportForm({ campaign }: { campaign: string }) {
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      const response = await fetch(`/api/admin/surveys/${encodeURIComponent(campaign)}/import`, { method: 'POST', headers: { accept: 'application/json' }, body: new FormData(event.currentTarget) });
      const body = (await response.json().catch(() => ({}))) as Report & { message?: string };
      if (!response.ok) setError(body.message ?? `The import failed (HTTP ${response.status}).`);
      else setReport(body);
    } catch {
      setError('Could not reach Paved.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <form method="post" action={`/api/admin/surveys/${encodeURIComponent(campaign)}/import`} encType="multipart/form-data" onSubmit={onSubmit} className="inline-form">
        <label className="field">
          <span>Responses (CSV: team, tenure, role, one column per question id)</span>
          <input type="file" name="file" accept=".csv,text/csv" required />
        </label>
        <button type="submit" className="button" disabled={busy}>{busy ? 'Importing…' : 'Import'}</button>
      </form>
      <div role="status" aria-live="polite">
        {error ? <div className="banner bad" style={{ marginTop: 10 }}><span>{error}</span></div> : null}
        {report ? (
          <div style={{ marginTop: 10 }}>
            <div className={`banner ${report.rejected.length ? 'warn' : 'good'}`}>
              <span><strong>Imported {report.imported} of {report.rows} rows.</strong> {report.rejected.length ? `${report.rejected.length} rejected: fix them and import a file with just those rows (rows already imported are not duplicated).` : 'Nothing was rejected.'}</span>
            </div>
            {report.ignoredColumns.length ? <p className="how">Ignored columns (not questions of this survey): {report.ignoredColumns.join(', ')}</p> : null}
            {report.missingColumns.length ? <p className="how">Questions with no column (counted as skipped): {report.missingColumns.join(', ')}</p> : null}
            {report.rejected.length ? (
              <div className="table-wrap" style={{ marginTop: 8, maxHeight: 320 }}>
                <table>
                  <caption className="visually-hidden">Rejected rows</caption>
                  <thead><tr><th scope="col" className="num">Line</th><th scope="col">Why</th></tr></thead>
                  <tbody>
                    {report.rejected.map((r) => <tr key={r.line}><td className="num">{r.line}</td><td>{r.reasons.join('; ')}</td></tr>)}
                  </tbody>
                </table>
              </div>
            ) : null}
          </div>
        ) : null}
      </div>
    </div>
  );
}
