-- The values the incidents page can filter by: every team, service, severity and source incidents have.
SELECT arraySort(groupUniqArray(team)) AS teams, arraySort(groupUniqArray(service)) AS services,
       arraySort(groupUniqArray(toString(severity))) AS severities, arraySort(groupUniqArray(toString(source))) AS sources
FROM {{db}}.t_incidents
