/**
 * Disclosure control: which survey cells may be published. Browser-safe and pure.
 *
 * A cell is a set of respondents Paved can publish figures for: the organisation, one team, one
 * tenure band or one role (with "not given" as a band of its own). Every published figure (answer
 * counts per item, eNPS counts, hours-lost means, respondent and participation counts) is a sum over
 * the members of one cell, so what an attacker can compute from everything Paved publishes is
 * exactly the linear combinations Σ y_c · (cell c's sums).
 *
 * Guarantee: for the set of cells this module publishes, every non-zero linear combination of them
 * involves at least k respondents. No set of 1 … k−1 respondents can be isolated by adding and
 * subtracting published figures, across all breakdowns at once (the page, the API, the CSV export,
 * the digest, the roadmap and ROI all read the one publication computed here).
 *
 * How the cells are chosen (deterministic for a given set of responses):
 * 1. Primary suppression: a cell with 1 … k−1 respondents is never published.
 * 2. Audit: respondents with the same team, tenure and role are indistinguishable to any published
 *    figure; call each such combination an atom, weighted by its respondents. A combination of
 *    cells is zero on an atom or not, so "a combination involving fewer than k respondents" is a set
 *    S of atoms of weight < k such that the remaining atoms do not span the published cells (in
 *    matroid terms, S contains a cocircuit). `findIsolation` decides this exactly with rational
 *    arithmetic (see there).
 * 3. Complementary suppression: while the audit finds such a combination, one of the cells it uses
 *    is withheld: tenure and role cells before teams, teams before the organisation, smaller before
 *    larger, then by name. Withholding cells only removes combinations, so this ends, at worst with
 *    the organisation alone (published when it has k respondents or more).
 */
import { Echelon, Fraction, directionKey, isZero, nullSpace, rankOf, type Vector } from './linear.js';

export type Dimension = 'team' | 'tenure' | 'role';
export const DIMENSIONS: readonly Dimension[] = ['team', 'tenure', 'role'];
/** The group of respondents who left a band blank. */
export const NOT_GIVEN = 'not given';

/** Never below 3, whatever a caller passes (the config schema enforces the same). */
export const MIN_GROUP_FLOOR = 3;

export function effectiveMinGroupSize(minGroupSize: number): number {
  return Math.max(MIN_GROUP_FLOOR, Math.ceil(Number.isFinite(minGroupSize) ? minGroupSize : MIN_GROUP_FLOOR));
}

/** What disclosure control needs to know about a respondent: their groups, never their answers. */
export interface Attributes {
  team: string;
  tenure: string | null;
  role: string | null;
}

export function groupOf(r: Attributes, by: Dimension): string {
  if (by === 'team') return r.team;
  return (by === 'tenure' ? r.tenure : r.role) ?? NOT_GIVEN;
}

export interface CellRef {
  dimension: Dimension | 'org';
  group: string;
}

export interface Publication {
  minGroupSize: number;
  /** Whether organisation-wide figures may be shown. */
  org: boolean;
  /** Per breakdown, the groups whose figures may be shown. */
  shown: Record<Dimension, string[]>;
  /** Per breakdown, groups with respondents whose figures are withheld. */
  hidden: Record<Dimension, string[]>;
  /** Cells withheld by the audit although they had k respondents or more (complementary suppression). */
  complementary: CellRef[];
}

export interface PlanOptions {
  /**
   * `audited` (the product): primary suppression plus the audit. `primary`: only cells below k are
   * withheld. `none` publishes every cell. The last two exist so tests can show that the attacks
   * they run do find leaks when the audit is switched off.
   */
  suppression?: 'audited' | 'primary' | 'none';
  /** Reuse the plan of identical attribute counts (default). Tests turn it off to compute afresh. */
  cache?: boolean;
}

interface Cell extends CellRef {
  size: number;
}

interface Atom {
  key: string;
  weight: number;
  /** Indices into the candidate cell list of the cells that contain this atom. */
  cells: number[];
}

const DIMENSION_ORDER: Record<CellRef['dimension'], number> = { tenure: 0, role: 1, team: 2, org: 3 };

/** Suppression preference: the first cell in this order is withheld first. */
function preference(a: Cell, b: Cell): number {
  return DIMENSION_ORDER[a.dimension] - DIMENSION_ORDER[b.dimension] || a.size - b.size || a.group.localeCompare(b.group);
}

function candidateCells(respondents: readonly Attributes[]): Cell[] {
  const cells: Cell[] = [{ dimension: 'org', group: 'all', size: respondents.length }];
  for (const dimension of DIMENSIONS) {
    const sizes = new Map<string, number>();
    for (const r of respondents) sizes.set(groupOf(r, dimension), (sizes.get(groupOf(r, dimension)) ?? 0) + 1);
    for (const [group, size] of [...sizes].sort((a, b) => a[0].localeCompare(b[0]))) cells.push({ dimension, group, size });
  }
  return cells;
}

function atomsOf(respondents: readonly Attributes[], cells: readonly Cell[]): Atom[] {
  const index = new Map(cells.map((c, i) => [`${c.dimension}\u0000${c.group}`, i]));
  const atoms = new Map<string, Atom>();
  for (const r of respondents) {
    const key = JSON.stringify([r.team, r.tenure, r.role]);
    const atom = atoms.get(key);
    if (atom) {
      atom.weight += 1;
      continue;
    }
    const memberOf = [0, ...DIMENSIONS.map((d) => index.get(`${d}\u0000${groupOf(r, d)}`)!)];
    atoms.set(key, { key, weight: 1, cells: memberOf });
  }
  return [...atoms.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** An atom's column over the published cells: 1 where the cell contains it. */
function columnOf(atom: Atom, published: readonly number[]): Vector {
  return published.map((c) => (atom.cells.includes(c) ? 1n : 0n));
}

interface Candidate {
  v: Vector;
  weight: number;
  members: number[];
}

/**
 * Exact search for a set S of atoms with total weight ≤ `budget` whose removal leaves atoms that do
 * not span the published cells, i.e. a non-zero combination of published cells that is zero outside
 * S. Returns the atoms of S, or null when there is none.
 *
 * Branching is the classic hitting-set argument: S must contain an element of every basis of what
 * is left, so for a basis b1 … bj, either b1 ∈ S, or b1 ∉ S and b2 ∈ S, … Elements kept out of S
 * must lie in the zero set, so they are "forced" into the span F and everything is reduced modulo
 * F. Reductions keep it small: atoms already in F's span can never be in S; atoms parallel modulo
 * F are in or out together (merged, weights summed); a merged class heavier than the budget must
 * be in the zero set (forced). Depth is bounded by the budget (every atom weighs at least 1).
 */
function search(forced: Echelon, pool: Candidate[], budget: number, rank: number, chosen: number[]): number[] | null {
  let f = forced;
  let classes: Candidate[] = pool;
  for (;;) {
    const merged = new Map<string, Candidate>();
    for (const c of classes) {
      const v = f.reduce(c.v);
      if (isZero(v)) continue;
      const key = directionKey(v);
      const m = merged.get(key);
      if (m) merged.set(key, { v: m.v, weight: m.weight + c.weight, members: [...m.members, ...c.members] });
      else merged.set(key, { v, weight: c.weight, members: c.members });
    }
    classes = [...merged.values()];
    const heavy = classes.filter((c) => c.weight > budget);
    if (heavy.length === 0) break;
    f = f.clone();
    for (const c of heavy) f.insert(c.v);
    if (f.rank === rank) return null;
    classes = classes.filter((c) => c.weight <= budget);
  }
  if (f.rank === rank) return null;
  const all = f.clone();
  for (const c of classes) all.insert(c.v);
  if (all.rank < rank) return chosen;
  // A basis of what is left modulo F, heaviest first so each branch spends as much budget as it can.
  const ordered = [...classes].sort((a, b) => b.weight - a.weight || a.members[0]! - b.members[0]!);
  const span = f.clone();
  const basis = ordered.filter((c) => span.insert(c.v));
  for (let i = 0; i < basis.length; i += 1) {
    const inS = basis[i]!;
    const keep = f.clone();
    for (let j = 0; j < i; j += 1) keep.insert(basis[j]!.v);
    const rest = classes.filter((c) => !basis.slice(0, i + 1).includes(c));
    const found = search(keep, rest, budget - inS.weight, rank, [...chosen, ...inS.members]);
    if (found) return found;
  }
  return null;
}

/** The atoms of a combination of `published` cells that involves fewer than k respondents, or null. */
function findIsolation(atoms: readonly Atom[], published: readonly number[], k: number): number[] | null {
  if (published.length === 0) return null;
  const pool = atoms.map((a, i) => ({ v: columnOf(a, published), weight: a.weight, members: [i] }));
  const rank = rankOf(pool.map((c) => c.v));
  return search(Echelon.empty(), pool, k - 1, rank, []);
}

/** The published cells a combination zero outside `support` uses (those with a non-zero coefficient). */
function cellsUsed(atoms: readonly Atom[], published: readonly number[], support: readonly number[]): number[] {
  // y with y · column(a) = 0 for every atom outside the support, and not 0 on the support.
  const outside = atoms.filter((_, i) => !support.includes(i)).map((a) => columnOf(a, published).map((x) => Fraction.of(x)));
  const inside = support.map((i) => columnOf(atoms[i]!, published));
  const basis = outside.length ? nullSpace(outside, published.length) : published.map((_, j) => published.map((__, i) => Fraction.of(i === j ? 1 : 0)));
  const y = basis.find((candidate) => inside.some((col) => !col.reduce((s, x, i) => s.add(candidate[i]!.mul(Fraction.of(x))), Fraction.of(0)).zero));
  if (!y) throw new Error('disclosure audit: a reported isolation has no combination behind it (bug)');
  return published.filter((_, i) => !y[i]!.zero);
}

/** Plans by the respondents' attribute counts: a page view asks for the same campaign several times. */
const planCache = new Map<string, Publication>();
const PLAN_CACHE_SIZE = 64;

/** Decides what may be published for one campaign's respondents. Deterministic. */
export function planPublication(respondents: readonly Attributes[], minGroupSize: number, options: PlanOptions = {}): Publication {
  const k = effectiveMinGroupSize(minGroupSize);
  const suppression = options.suppression ?? 'audited';
  const counts = new Map<string, number>();
  for (const r of respondents) {
    const key = JSON.stringify([r.team, r.tenure, r.role]);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const cacheKey = JSON.stringify([k, suppression, [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))]);
  const cached = options.cache === false ? undefined : planCache.get(cacheKey);
  if (cached) return structuredClone(cached);
  const plan = computePlan(respondents, k, suppression);
  if (planCache.size >= PLAN_CACHE_SIZE) planCache.delete(planCache.keys().next().value!);
  planCache.set(cacheKey, plan);
  return structuredClone(plan);
}

function computePlan(respondents: readonly Attributes[], k: number, suppression: NonNullable<PlanOptions['suppression']>): Publication {
  const cells = candidateCells(respondents);
  const atoms = atomsOf(respondents, cells);
  // A cell with exactly the members of another (say every respondent left tenure blank, so "not
  // given" is the organisation) adds nothing: it follows the cell it copies, the one kept longest.
  const copyOf = new Map<number, number>();
  const firstWith = new Map<string, number>();
  const keepOrder = cells.map((_, i) => i).sort((a, b) => preference(cells[b]!, cells[a]!));
  for (const i of keepOrder) {
    const members = atoms.flatMap((a, j) => (a.cells.includes(i) ? [j] : [])).join(',');
    const first = firstWith.get(members);
    if (first === undefined) firstWith.set(members, i);
    else copyOf.set(i, first);
  }
  let published = cells.map((_, i) => i).filter((i) => !copyOf.has(i) && cells[i]!.size > 0 && (suppression === 'none' || cells[i]!.size >= k));
  const complementary: CellRef[] = [];
  if (suppression === 'audited') {
    for (;;) {
      const support = findIsolation(atoms, published, k);
      if (!support) break;
      const used = cellsUsed(atoms, published, support).map((i) => cells[i]!);
      const withheld = [...used].sort(preference)[0]!;
      complementary.push({ dimension: withheld.dimension, group: withheld.group });
      published = published.filter((i) => cells[i] !== withheld);
    }
  }
  const isShown = new Set(cells.filter((_, i) => published.includes(copyOf.get(i) ?? i)));
  const byDimension = (dimension: Dimension, shown: boolean) =>
    cells.filter((c) => c.dimension === dimension && c.size > 0 && isShown.has(c) === shown).map((c) => c.group).sort((a, b) => a.localeCompare(b));
  return {
    minGroupSize: k,
    org: isShown.has(cells[0]!) && respondents.length > 0,
    shown: { team: byDimension('team', true), tenure: byDimension('tenure', true), role: byDimension('role', true) },
    hidden: { team: byDimension('team', false), tenure: byDimension('tenure', false), role: byDimension('role', false) },
    complementary,
  };
}

/**
 * Audits an arbitrary family of published cells (each a list of respondent indices): the smallest
 * number of respondents a non-zero combination of them can involve is at least k exactly when this
 * returns null; otherwise it returns the respondents of one combination that involves fewer. Used
 * by tests as an independent check of a whole publication.
 */
export function auditCells(respondentCount: number, cells: readonly (readonly number[])[], k: number): number[] | null {
  const atoms: Atom[] = Array.from({ length: respondentCount }, (_, r) => ({ key: String(r), weight: 1, cells: cells.flatMap((c, i) => (c.includes(r) ? [i] : [])) }));
  return findIsolation(atoms, cells.map((_, i) => i), k);
}
