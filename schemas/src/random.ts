/**
 * A seeded generator (mulberry32): small, fast and well mixed (an LCG's low bits alternate); `next()`
 * is uniform in [0, 1). The same seed gives the same sequence on every run, so a bootstrap interval
 * is a function of its data only and a property test's failing seed can be replayed.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
