'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';

interface Done {
  links: number;
  rejected: number;
  file: string;
}

/** The file name from `content-disposition: attachment; filename="invites_x.csv"`. */
function fileNameOf(disposition: string | null, fallback: string): string {
  return /filename="([^"]+)"/.exec(disposition ?? '')?.[1] ?? fallback;
}

/**
 * Creates a campaign's invitation links. With e-mail, the browser posts the form and Paved mails
 * each link and comes back with the counts. Without, the links come back once as a CSV: this saves
 * it, then refreshes the page so the count of links issued is right at once (it used to say "0
 * links issued" until a reload, which made minting twice easy). Once links exist, a new list must
 * be confirmed as new people: anyone on it who already has a link would get a second one.
 */
export function InviteForm({ action, campaign, canMail, issued }: { action: string; campaign: string; canMail: boolean; issued: number }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Done | null>(null);
  const [error, setError] = useState<string | null>(null);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    const form = event.currentTarget;
    const data = new FormData(form);
    // E-mailing goes through the plain form: Paved answers with a redirect carrying the counts.
    if (data.get('send')) {
      setBusy(true);
      return;
    }
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const response = await fetch(action, { method: 'POST', body: data });
      if (!response.ok) {
        const body = (await response.json().catch(() => ({}))) as { message?: string };
        setError(body.message ?? `Creating the links failed (HTTP ${response.status}).`);
        return;
      }
      const csv = await response.text();
      const file = fileNameOf(response.headers.get('content-disposition'), `invites_${campaign}.csv`);
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = file;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      const links = Math.max(0, csv.trim().split('\n').length - 1);
      setDone({ links, rejected: Number(response.headers.get('x-paved-rejected') ?? 0), file });
      // The list is spent: choosing it again is a deliberate act, not a second click.
      form.reset();
      router.refresh();
    } catch {
      setError('Could not reach Paved.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <form method="post" action={action} encType="multipart/form-data" className="inline-form" style={{ marginTop: 12 }} onSubmit={onSubmit} data-testid="invite-form">
        <label className="field">
          <span>Email list (CSV with the columns email, team)</span>
          <input type="file" name="emails" accept=".csv,text/csv" required />
        </label>
        <label className="check">
          <input type="checkbox" name="send" defaultChecked={canMail} disabled={!canMail} />
          <span>{canMail ? 'E-mail each person their link (SMTP_URL)' : 'E-mail each person their link (set SMTP_URL to enable)'}</span>
        </label>
        {issued > 0 ? (
          <label className="check" data-testid="new-people">
            <input type="checkbox" name="newPeople" required />
            <span>
              {issued === 1 ? '1 link was' : `${new Intl.NumberFormat('en-GB').format(issued)} links were`} already issued: everyone on this list is new to the campaign
              (anyone who already has a link would get a second one and could answer twice)
            </span>
          </label>
        ) : null}
        <button type="submit" className="button primary" disabled={busy}>{busy ? 'Creating links…' : 'Create links'}</button>
      </form>
      <div role="status" aria-live="polite">
        {error ? <div className="banner bad" style={{ marginTop: 10 }}><span>{error}</span></div> : null}
        {done ? (
          <div className="banner good" style={{ marginTop: 10 }} data-testid="links-created">
            <span>
              <strong>{done.links === 1 ? '1 link' : `${done.links} links`} created and downloaded</strong> ({done.file}){done.rejected ? `; ${done.rejected} rows skipped` : ''}.
              Paved kept no copy of the links or the addresses: keep the file until they are sent, and do not create links again for the same people.
            </span>
          </div>
        ) : null}
      </div>
    </div>
  );
}
