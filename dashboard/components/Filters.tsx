import { FilterBar } from './FilterBar';
import { describeWindow, type View } from '@/lib/period';

/** The filter bar with the window spelled out in dates. */
export function Filters({ view, teams, services, fields, keep, defaultProfile }: {
  view: View;
  teams: string[];
  services: { service: string; team: string }[];
  fields: ('team' | 'service' | 'profile')[];
  keep?: Record<string, string>;
  defaultProfile: string;
}) {
  return (
    <FilterBar
      values={{ range: view.range, from: view.from, to: view.to, team: view.team, service: view.service, profile: view.profile }}
      teams={teams}
      services={services}
      fields={fields}
      keep={keep}
      windowLabel={describeWindow(view.from, view.to)}
      windowNote={`${view.days} days · UTC`}
      defaultProfile={defaultProfile}
    />
  );
}
