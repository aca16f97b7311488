export default function NotFound() {
  return (
    <div className="empty" style={{ marginTop: 16 }}>
      <h2>Page not found</h2>
      <p>
        Try the <a href="/">Overview</a>, the <a href="/dora">DORA explorer</a>, <a href="/flow">Flow</a>, <a href="/adoption">Adoption</a> or <a href="/health">Data health</a>.
      </p>
    </div>
  );
}
