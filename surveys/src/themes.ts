/**
 * Free-text answers grouped into themes without any outside service: a small lexicon of
 * developer-experience topics first, then, for what is left, the most shared keyword among at
 * least two answers. Answers are returned verbatim; callers decide whether a group may see them.
 */

export interface Theme {
  id: string;
  label: string;
  /** The words or phrases that put answers here. */
  keywords: string[];
  answers: string[];
}

interface Topic {
  id: string;
  label: string;
  /** Stems or phrases (matched on word boundaries after normalising). */
  terms: string[];
}

const TOPICS: Topic[] = [
  { id: 'builds_ci', label: 'Builds, tests and CI', terms: ['ci', 'build', 'pipelin', 'test', 'flaky', 'flak', 'suite', 're-run', 'rerun', 'red build', 'green', 'compil'] },
  { id: 'code_review', label: 'Code review', terms: ['review', 'pull request', 'pr', 'nit', 'approver', 'reviewer'] },
  { id: 'deployment', label: 'Deployments and releases', terms: ['deploy', 'release', 'production', 'rollout', 'runbook by hand', 'sign-off', 'signoff', 'train', 'approval', 'ship'] },
  { id: 'documentation', label: 'Documentation and knowledge', terms: ['doc', 'documentation', 'wiki', 'out of date', 'outdated', 'readme', 'api', 'find out how', 'ask in slack'] },
  { id: 'focus', label: 'Interruptions and focus time', terms: ['meeting', 'interrupt', 'focus', 'context switch', 'support question', 'distract', 'unplanned'] },
  { id: 'on_call', label: 'On-call and incidents', terms: ['on-call', 'oncall', 'on call', 'page', 'paging', 'alert', 'incident', 'night'] },
  { id: 'complexity', label: 'Tooling sprawl and complexity', terms: ['too many', 'complex', 'set up differently', 'setup', 'tools', 'services', 'in my head', 'cognitive'] },
  { id: 'platform', label: 'The internal platform', terms: ['platform', 'golden path', 'template', 'tooling changes', 'paved'] },
  { id: 'praise', label: 'What works well', terms: ['good shape', 'non-event', 'great', 'love', 'works well', 'thank', 'improved', 'made releasing', 'in a day', 'not much'] },
];

const STOPWORDS = new Set(`a about above after again all also am an and any are as at be because been before being below between both but by can could did do does doing don down during each few for from further get gets getting got had has have having he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or other our out over own same she should so some still such than that the their them then there these they this those through to too under until up very was we were what when where which while who whom why will with would you your yours every one really even lot lots much many thing things day days week weeks time seems`.split(/\s+/));

function normalise(text: string): string {
  return ` ${text.toLowerCase().replace(/[’']/g, "'").replace(/[^a-z0-9'+\- ]+/g, ' ').replace(/\s+/g, ' ').trim()} `;
}

/** A crude stem: enough that "reviews", "reviewed" and "reviewing" meet. */
function stem(word: string): string {
  return word.replace(/(ing|ed|es|s)$/, '').replace(/'$/, '') || word;
}

function matches(normalised: string, term: string): boolean {
  // Multi-word terms match as phrases; short words only as themselves (or plural); other stems match the start of a word.
  if (term.includes(' ') || term.includes('-')) return normalised.includes(` ${term}`);
  if (term.length <= 3) return new RegExp(`\\s${term}s?\\s`).test(normalised);
  return new RegExp(`\\s${term}[a-z]*\\b`).test(normalised);
}

function keywordsOf(text: string): string[] {
  return [...new Set(normalise(text).trim().split(' ').filter((w) => w.length > 2 && !STOPWORDS.has(w)).map(stem))];
}

/** Groups answers into themes, largest first; every answer lands in exactly one theme. */
export function themesOf(answers: readonly string[]): Theme[] {
  const byTopic = new Map<string, { topic: Topic; hits: Set<string>; answers: string[] }>();
  const rest: string[] = [];
  for (const answer of answers) {
    const text = normalise(answer);
    let best: { topic: Topic; hits: string[] } | null = null;
    for (const topic of TOPICS) {
      const hits = topic.terms.filter((term) => matches(text, term));
      if (hits.length && (!best || hits.length > best.hits.length)) best = { topic, hits };
    }
    if (!best) {
      rest.push(answer);
      continue;
    }
    const entry = byTopic.get(best.topic.id) ?? { topic: best.topic, hits: new Set<string>(), answers: [] };
    best.hits.forEach((h) => entry.hits.add(h));
    entry.answers.push(answer);
    byTopic.set(best.topic.id, entry);
  }
  const themes: Theme[] = [...byTopic.values()].map((e) => ({ id: e.topic.id, label: e.topic.label, keywords: [...e.hits], answers: e.answers }));
  themes.push(...emergentThemes(rest));
  return themes.sort((a, b) => b.answers.length - a.answers.length || a.label.localeCompare(b.label));
}

/** Clusters what the lexicon missed around the keyword most answers share (at least two), repeatedly. */
function emergentThemes(answers: string[]): Theme[] {
  const themes: Theme[] = [];
  let left = answers.map((text) => ({ text, words: keywordsOf(text) }));
  for (;;) {
    const counts = new Map<string, number>();
    for (const a of left) for (const w of a.words) counts.set(w, (counts.get(w) ?? 0) + 1);
    const [word, n] = [...counts].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0] ?? ['', 0];
    if (n < 2) break;
    const members = left.filter((a) => a.words.includes(word));
    themes.push({ id: `keyword:${word}`, label: `Mentions of “${word}”`, keywords: [word], answers: members.map((m) => m.text) });
    left = left.filter((a) => !a.words.includes(word));
  }
  if (left.length) themes.push({ id: 'other', label: 'Other comments', keywords: [], answers: left.map((a) => a.text) });
  return themes;
}
