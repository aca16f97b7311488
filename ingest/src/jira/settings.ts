/** The normaliser's view of `sources.jira` (schemas/src/config.ts documents each setting). */
export interface JiraSettings {
  baseUrl?: string;
  /** Project keys measured; empty: every project. */
  projects: string[];
  /** Issue types that are incidents (case-insensitive). */
  issueTypes: string[];
  /** `components` or a field id such as customfield_10050. */
  serviceField: string;
  /** `priority` or a field id such as customfield_10044. */
  severityField: string;
  deploymentField?: string;
}

export const JIRA_DEFAULTS: JiraSettings = { projects: [], issueTypes: ['Incident'], serviceField: 'components', severityField: 'priority' };
