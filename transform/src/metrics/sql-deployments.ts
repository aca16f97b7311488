import { sqlFragment, sqlModel } from './sql-files.js';

/** Shared CTE: the catalog as mapping rows (repo + path prefix → service → team, golden path): fragments/catalog_mapping.sql. */
export const CATALOG_CTE = `\n${sqlFragment('catalog_mapping')}`;

/**
 * models/t_deployments.sql: folds deployment statuses into one row per deployment. The final status
 * ignores `inactive` (GitHub marks a successful deployment inactive once a newer one replaces it); the
 * deployment time is that of the success status.
 */
export const REBUILD_DEPLOYMENTS = sqlModel('t_deployments');

/** models/t_incidents.sql: folds incident updates; GitHub incidents map to a service through their repository. */
export const REBUILD_INCIDENTS = sqlModel('t_incidents');
