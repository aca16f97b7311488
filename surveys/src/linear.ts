/**
 * Exact linear algebra over the rationals for the disclosure audit. Vectors are BigInt arrays and
 * elimination is fraction-free, so a rank is never misjudged by rounding (a floating-point rank
 * test could call a leak safe). Sizes here are small: a few dozen published cells.
 */

export type Vector = bigint[];

const abs = (v: bigint) => (v < 0n ? -v : v);

function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Divides by the content and makes the first non-zero entry positive: one key per direction. */
export function primitive(v: Vector): Vector {
  let g = 0n;
  let sign = 0n;
  for (const x of v) {
    if (x === 0n) continue;
    if (sign === 0n) sign = x < 0n ? -1n : 1n;
    g = gcd(g, x);
  }
  if (g === 0n) return v.map(() => 0n);
  return v.map((x) => (x / g) * sign);
}

export const isZero = (v: Vector) => v.every((x) => x === 0n);
export const directionKey = (v: Vector) => primitive(v).join(',');

/** A row-echelon basis that vectors can be reduced against and inserted into. */
export class Echelon {
  private constructor(private readonly rows: { pivot: number; v: Vector }[]) {}

  static empty(): Echelon {
    return new Echelon([]);
  }

  get rank(): number {
    return this.rows.length;
  }

  clone(): Echelon {
    return new Echelon([...this.rows]);
  }

  /** `v` with every basis pivot eliminated: zero exactly when `v` lies in the span. */
  reduce(v: Vector): Vector {
    let out = v;
    for (const { pivot, v: row } of this.rows) {
      const c = out[pivot]!;
      if (c === 0n) continue;
      const p = row[pivot]!;
      out = primitive(out.map((x, i) => x * p - row[i]! * c));
    }
    return out;
  }

  /** Adds `v` to the span; false when it was already there. */
  insert(v: Vector): boolean {
    const r = this.reduce(v);
    const pivot = r.findIndex((x) => x !== 0n);
    if (pivot === -1) return false;
    this.rows.push({ pivot, v: r });
    return true;
  }
}

export function rankOf(vectors: readonly Vector[]): number {
  const e = Echelon.empty();
  for (const v of vectors) e.insert(v);
  return e.rank;
}

/** Exact rationals, for solving (the audit's rank tests never need them). */
export class Fraction {
  readonly n: bigint;
  readonly d: bigint;
  constructor(n: bigint, d: bigint = 1n) {
    if (d === 0n) throw new Error('division by zero');
    const g = gcd(n, d) || 1n;
    const s = d < 0n ? -1n : 1n;
    this.n = (n / g) * s;
    this.d = (d / g) * s;
  }
  static of(x: number | bigint): Fraction {
    return new Fraction(BigInt(x));
  }
  add(o: Fraction) {
    return new Fraction(this.n * o.d + o.n * this.d, this.d * o.d);
  }
  sub(o: Fraction) {
    return new Fraction(this.n * o.d - o.n * this.d, this.d * o.d);
  }
  mul(o: Fraction) {
    return new Fraction(this.n * o.n, this.d * o.d);
  }
  div(o: Fraction) {
    return new Fraction(this.n * o.d, this.d * o.n);
  }
  get zero() {
    return this.n === 0n;
  }
  toNumber() {
    return Number(this.n) / Number(this.d);
  }
}

/**
 * Reduced row-echelon form of `rows` (each of length `width`), exact. Returns the reduced rows and
 * their pivot columns.
 */
export function rref(rows: readonly Fraction[][], width: number): { rows: Fraction[][]; pivots: number[] } {
  const m = rows.map((r) => [...r]);
  const pivots: number[] = [];
  let lead = 0;
  for (let col = 0; col < width && lead < m.length; col += 1) {
    const at = m.findIndex((r, i) => i >= lead && !r[col]!.zero);
    if (at === -1) continue;
    [m[lead], m[at]] = [m[at]!, m[lead]!];
    const pivotRow = m[lead]!;
    const p = pivotRow[col]!;
    for (let j = 0; j < width; j += 1) pivotRow[j] = pivotRow[j]!.div(p);
    for (let i = 0; i < m.length; i += 1) {
      if (i === lead || m[i]![col]!.zero) continue;
      const f = m[i]![col]!;
      for (let j = 0; j < width; j += 1) m[i]![j] = m[i]![j]!.sub(f.mul(pivotRow[j]!));
    }
    pivots.push(col);
    lead += 1;
  }
  return { rows: m.slice(0, lead), pivots };
}

/** A basis of { x : A x = 0 } for `a` given as rows of length `width`. */
export function nullSpace(a: readonly Fraction[][], width: number): Fraction[][] {
  const { rows, pivots } = rref(a, width);
  const free = Array.from({ length: width }, (_, j) => j).filter((j) => !pivots.includes(j));
  return free.map((f) => {
    const x = Array.from({ length: width }, () => Fraction.of(0));
    x[f] = Fraction.of(1);
    rows.forEach((row, i) => {
      x[pivots[i]!] = row[f]!.mul(Fraction.of(-1));
    });
    return x;
  });
}

/**
 * Coefficients c with Σ c_i · vectors[i] = target, or null when the target is not in their span.
 * Used by the attack tests to turn a successful rank test into recovered answers.
 */
export function solve(vectors: readonly Vector[], target: Vector): Fraction[] | null {
  const width = vectors.length;
  // Augmented system: one row per coordinate, one column per vector, then the target.
  const rows = target.map((t, i) => [...vectors.map((v) => Fraction.of(v[i]!)), Fraction.of(t)]);
  const { rows: reduced, pivots } = rref(rows, width + 1);
  if (pivots.includes(width)) return null;
  const c = Array.from({ length: width }, () => Fraction.of(0));
  reduced.forEach((row, i) => {
    c[pivots[i]!] = row[width]!;
  });
  return c;
}
