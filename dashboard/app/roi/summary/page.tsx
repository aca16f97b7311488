import { roiSummary, surveySource } from '@paved/insights';
import { PrintButton } from '@/components/PrintButton';
import { effectText, money, rangeText } from '@/components/RoiFigure';
import { Failure } from '@/components/ui';
import { attempt } from '@/lib/load';
import { first, href, type SearchParams, viewOf } from '@/lib/period';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'ROI summary' };

/** One printable page: every figure as a range, its formula and its main inputs. */
export default async function RoiSummaryPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const view = viewOf(params);
  const campaign = first(params.campaign);
  const loaded = await attempt('ROI figures', async () => {
    const { warehouse, config } = runtime();
    return roiSummary(warehouse, config, { from: view.from, to: view.to, campaignId: campaign }, surveySource(warehouse, config));
  });
  if (!loaded.ok) return <Failure what="ROI figures" message={loaded.message} />;
  const s = loaded.data;
  const a = s.assumptions.roi;
  return (
    <article className="roi-summary">
      <div className="roi-summary-actions no-print">
        <a className="button small" href={href('/roi', { from: view.from, to: view.to, campaign })}>Back to ROI</a>
        <PrintButton />
      </div>
      <h1>Platform ROI summary</h1>
      <p className="muted">
        Metrics {s.window.from} to {s.window.to} (compared with {s.previousWindow.from} to {s.previousWindow.to}); survey {s.campaign?.title ?? 'none'}
        {s.previousCampaign ? ` (compared with ${s.previousCampaign.title})` : ''}. Assumptions: {money(a.costPerEngineeringHour, a.currency)} an engineering hour, {a.workingWeeksPerYear} working weeks a year, {a.peopleInvolvedPerFailure} people per failed deployment; {s.developers.count.toLocaleString('en')} developers{s.developers.basis === 'respondents' ? ' (survey respondents)' : ''}.
      </p>
      <p className="roi-period">{s.period.statement}</p>
      <div className="table-wrap">
      <table className="roi-summary-table">
        <thead><tr><th scope="col">Figure (per year)</th><th scope="col" className="num">Range</th><th scope="col" className="num">Middle</th><th scope="col">Change it rests on</th></tr></thead>
        <tbody>
          {s.figures.map((f) => (
            <tr key={f.id}><td>{f.label}</td><td className="num"><strong>{rangeText(f)}</strong></td><td className="num">{f.significant === false || f.low === f.high ? '' : money(f.mid, f.unit)}</td><td className="muted">{f.effect ? effectText(f.effect) : 'none (a level)'}</td></tr>
          ))}
        </tbody>
      </table>
      </div>
      <h2>How each figure is computed</h2>
      <dl className="roi-summary-formulas">
        {s.figures.map((f) => (
          <div key={f.id}>
            <dt>{f.label}</dt>
            <dd><code>{f.formula}</code><br /><span className="muted">{f.inputs.filter((i) => i.value !== null && i.value !== '').map((i) => `${i.name}: ${typeof i.value === 'number' ? i.value.toLocaleString('en') : i.value}${i.unit ? ` ${i.unit}` : ''}`).join(' · ')}</span></dd>
          </div>
        ))}
      </dl>
      <p className="muted">Ranges, not single numbers: self-reported hours and small samples carry real uncertainty. An amount that rests on a change is shown only when the change's 95 % bootstrap interval excludes zero. Golden-path differences are correlation, not proof.</p>
    </article>
  );
}
