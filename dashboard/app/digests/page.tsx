import { type ArchiveEntry, digestHealth, listDigests, readDigest, renderDigest } from '@paved/insights';
import { icons } from '@/components/icons';
import { Card, Empty, Failure, PageHeader } from '@/components/ui';
import { ago } from '@/lib/format';
import { attempt } from '@/lib/load';
import { runtime } from '@/lib/runtime';
import styles from './digests.module.css';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Digests' };

type Search = Promise<Record<string, string | string[] | undefined>>;
type View = 'digest' | 'email' | 'text';

const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

function digestHref(week: string, team: string, view: View = 'digest'): string {
  const params = new URLSearchParams({ week });
  if (team) params.set('team', team);
  if (view !== 'digest') params.set('view', view);
  return `/digests?${params}`;
}

/** One row per week: the organisation's digest and each team's. */
function byWeek(entries: ArchiveEntry[]): { week: string; entries: ArchiveEntry[] }[] {
  const weeks = new Map<string, ArchiveEntry[]>();
  for (const entry of entries) weeks.set(entry.week, [...(weeks.get(entry.week) ?? []), entry]);
  return [...weeks].map(([week, list]) => ({ week, entries: list }));
}

export default async function Digests({ searchParams }: { searchParams: Search }) {
  const params = await searchParams;
  const view: View = one(params.view) === 'email' ? 'email' : one(params.view) === 'text' ? 'text' : 'digest';
  const loaded = await attempt('digests', async () => {
    const { warehouse, config } = runtime();
    const [entries, health] = await Promise.all([listDigests(warehouse), digestHealth(warehouse)]);
    const week = one(params.week) ?? entries[0]?.week;
    const team = one(params.team) ?? '';
    const selected = week ? await readDigest(warehouse, week, team) : null;
    return { entries, health, week, team, selected, digest: config.digest };
  });
  const header = <PageHeader title="Digests" subtitle="The weekly digests as they went out: the organisation's and each team's, with every channel they reached." />;
  if (!loaded.ok) {
    return (
      <>
        {header}
        <Failure what="digests" message={loaded.message} />
      </>
    );
  }
  const { entries, health, week, team, selected, digest } = loaded.data;
  const weeks = byWeek(entries);

  return (
    <>
      {header}
      {health.problems.length ? (
        <div className="banner warn" role="alert">
          {icons.alert}
          <span>
            <strong>{health.problems.length === 1 ? 'A digest delivery needs attention:' : `${health.problems.length} digest deliveries need attention:`}</strong>{' '}
            {health.problems.slice(0, 3).join(' ')}
            {health.problems.length > 3 ? ` And ${health.problems.length - 3} more.` : ''}
          </span>
        </div>
      ) : null}

      {weeks.length === 0 ? (
        <Empty title="No digests yet">
          <p>
            Paved sends the weekly digests on <code>{digest.schedule}</code> ({digest.timezone}) to {digest.channels.join(', ')}. Send last week&apos;s now with{' '}
            <code>paved digest</code>, or see what it would say with <code>paved digest --dry-run</code>.
          </p>
        </Empty>
      ) : (
        <div className="grid">
          <Card id="archive" title="Archive" hint={`Newest first · schedule ${digest.schedule} (${digest.timezone})`}>
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Delivered digests by week</caption>
                <thead>
                  <tr>
                    <th scope="col">Week</th>
                    <th scope="col">Digests</th>
                    <th scope="col">Last delivered</th>
                  </tr>
                </thead>
                <tbody>
                  {weeks.slice(0, 26).map((w) => (
                    <tr key={w.week}>
                      <td className="nowrap"><strong>{w.week}</strong></td>
                      <td>
                        <span className={styles.teams}>
                          {w.entries.map((e) => (
                            <a key={e.team} href={digestHref(e.week, e.team)} aria-current={e.week === week && e.team === team ? 'true' : undefined} title={`Sent to ${e.channels.join(', ')}`}>
                              {e.team || 'Organisation'}
                            </a>
                          ))}
                        </span>
                      </td>
                      <td className="nowrap muted" title={`${w.entries[0]?.delivered_at ?? ''} UTC`}>{ago(w.entries.map((e) => e.delivered_at).sort().at(-1))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>

          {week && !selected ? (
            <Empty title={`No digest for ${team ? `team ${team}` : 'the organisation'} in ${week}`} compact>
              <p>Pick one from the archive above.</p>
            </Empty>
          ) : null}

          {week && selected ? (
            <Card
              id="digest"
              title={`${week} · ${team ? `Team ${team}` : 'Organisation'}`}
              hint={`${selected.subject} · delivered ${ago(selected.createdAt)} to ${entries.find((e) => e.week === week && e.team === team)?.channels.join(', ') ?? 'the archive'}`}
              actions={
                <span className="segmented" role="group" aria-label="Show as">
                  <a href={digestHref(week, team)} aria-current={view === 'digest' ? 'true' : undefined}>Digest</a>
                  <a href={digestHref(week, team, 'email')} aria-current={view === 'email' ? 'true' : undefined}>As emailed</a>
                  <a href={digestHref(week, team, 'text')} aria-current={view === 'text' ? 'true' : undefined}>Plain text</a>
                </span>
              }
            >
              {view === 'email' ? (
                // The stored email runs in a sandbox without scripts, forms or same-origin access.
                <iframe className={styles.email} sandbox="" srcDoc={selected.html} title={`${selected.subject} (as emailed)`} />
              ) : view === 'text' || !selected.content ? (
                <pre className={styles.text}>{selected.text}</pre>
              ) : (
                // Rendered here from the validated content by renderDigest, which escapes every value.
                // biome-ignore lint/security/noDangerouslySetInnerHtml: renderDigest's own HTML, every value escaped (digest.render tests).
                <div className={styles.archive} dangerouslySetInnerHTML={{ __html: renderDigest(selected.content).archiveHtml }} />
              )}
            </Card>
          ) : null}
        </div>
      )}
    </>
  );
}
