/** Answer colours 1..5, diverging: unfavourable reds, neutral grey, favourable greens. Shared by server pages and client charts. */
export const SCORE_COLORS = [
  'var(--bad)',
  'color-mix(in srgb, var(--bad) 45%, var(--surface))',
  'var(--border-strong)',
  'color-mix(in srgb, var(--good) 50%, var(--surface))',
  'var(--good)',
];
