/** Placeholders shaped like the page that is loading. */
export function Skeleton({ variant }: { variant: 'overview' | 'charts' | 'table' }) {
  return (
    <div aria-busy="true" aria-live="polite">
      <span className="visually-hidden">Loading…</span>
      <div className="skeleton" style={{ height: 26, width: 240, marginTop: 6 }} />
      <div className="skeleton" style={{ height: 16, width: 420, marginTop: 10, marginBottom: 16 }} />
      <div className="skeleton" style={{ height: 58, marginBottom: 16, borderRadius: 10 }} />
      {variant === 'overview' ? (
        <>
          <div className="grid keys">
            {[0, 1, 2, 3, 4].map((i) => <div key={i} className="skeleton" style={{ height: 200, borderRadius: 10 }} />)}
          </div>
          <div className="grid three" style={{ marginTop: 16 }}>
            {[0, 1, 2].map((i) => <div key={i} className="skeleton" style={{ height: 240, borderRadius: 10 }} />)}
          </div>
        </>
      ) : variant === 'charts' ? (
        <>
          <div className="skeleton" style={{ height: 76, marginBottom: 16, borderRadius: 10 }} />
          <div className="grid two">
            {[0, 1, 2, 3].map((i) => <div key={i} className="skeleton" style={{ height: 300, borderRadius: 10 }} />)}
          </div>
        </>
      ) : (
        <>
          <div className="skeleton" style={{ height: 76, marginBottom: 16, borderRadius: 10 }} />
          {[0, 1].map((i) => <div key={i} className="skeleton" style={{ height: 260, marginBottom: 16, borderRadius: 10 }} />)}
        </>
      )}
    </div>
  );
}
