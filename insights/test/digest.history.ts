import { HistoryBuilder } from '../../transform/test/history.js';

/**
 * Two teams over two ISO weeks, small enough to work out on paper.
 *
 * 2026-W10 = [03-02, 03-09), 2026-W11 = [03-09, 03-16). Nothing before W10, so "the 4 weeks
 * before W11" [02-09, 03-09) holds exactly W10.
 *
 * payments / billing (golden path, template node-service)
 *   W10: 2 deployments, lead 2 h and 4 h
 *   W11: 4 deployments, lead 1, 2, 3, 4 h; billing-5 fails: incident INC-7 names it, resolved 5 h after it
 * search / finder (no template)
 *   W10: 4 deployments, lead 2 h each
 *   W11: 1 deployment, lead 2 h
 *
 * Organisation W11: 5 deployments (W10: 6; 4-week 6/4 = 1.5 a week), lead p50 2 h (W10 2 h),
 * change failure rate 1/5 (W10 0/6), recovery p50 5 h, rework 0; golden-path share 4/5 (W10 2/6).
 */
export function digestHistory(): HistoryBuilder[] {
  const billing = new HistoryBuilder('acme/billing');
  billing.service('billing', 'payments', { template: 'node-service' });
  const ship = (h: HistoryBuilder, id: string, day: string, deployAt: string, leadHours: number) => {
    const authored = new Date(Date.parse(`${day}T${deployAt}:00Z`) - leadHours * 3_600_000).toISOString().slice(0, 16);
    h.push(authored, [[`${id}-c`, authored]]);
    h.deploy(id, `${id}-c`, `${day}T${deployAt}`);
  };
  ship(billing, 'billing-1', '2026-03-03', '10:00', 2);
  ship(billing, 'billing-2', '2026-03-05', '10:00', 4);
  ship(billing, 'billing-3', '2026-03-09', '10:00', 1);
  ship(billing, 'billing-4', '2026-03-10', '10:00', 2);
  ship(billing, 'billing-5', '2026-03-11', '10:00', 3);
  ship(billing, 'billing-6', '2026-03-12', '10:00', 4);
  billing.incident('INC-7', '2026-03-11T12:00', { resolved: '2026-03-11T15:00', service: 'billing', deploymentIds: ['billing-5'] });

  const finder = new HistoryBuilder('acme/finder');
  finder.service('finder', 'search');
  for (const [i, day] of ['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05'].entries()) ship(finder, `finder-${i + 1}`, day, '14:00', 2);
  ship(finder, 'finder-5', '2026-03-10', '14:00', 2);
  return [billing, finder];
}

export const W10 = { id: '2026-W10', from: '2026-03-02', to: '2026-03-09' };
export const W11 = { id: '2026-W11', from: '2026-03-09', to: '2026-03-16' };
