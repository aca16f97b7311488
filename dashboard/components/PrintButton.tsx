'use client';

/** Opens the browser's print dialog (where "Save as PDF" lives). */
export function PrintButton() {
  return <button type="button" className="button small no-print" onClick={() => window.print()}>Print / save as PDF</button>;
}
