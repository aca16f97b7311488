import { href, viewParams, type View } from './period';

/** A team's page, keeping the page's time window and benchmark (not its team or service filter). */
export function teamHref(team: string, view?: Pick<View, 'from' | 'to' | 'range' | 'days' | 'profile'>): string {
  const path = `/teams/${encodeURIComponent(team)}`;
  if (!view) return path;
  return href(path, viewParams({ ...view, team: undefined, service: undefined }, { team: false, service: false, profile: true }));
}

/** The incidents page for a window and filters. */
export function incidentsHref(view: Pick<View, 'from' | 'to' | 'range' | 'days'>, filters: { team?: string; service?: string; severity?: string; source?: string } = {}): string {
  return href('/incidents', { ...viewParams({ ...view, team: undefined, service: undefined, profile: undefined }, { team: false, service: false, profile: false }), ...filters });
}
