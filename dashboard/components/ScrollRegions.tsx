'use client';

import { useEffect } from 'react';

/** The heading of the card a table sits in, as the name of its scrolling region. */
function regionName(wrap: HTMLElement): string {
  const caption = wrap.querySelector('caption')?.textContent?.trim();
  const heading = wrap.closest('section, .card, details')?.querySelector('h2, h3, summary')?.textContent?.trim();
  return `${caption || heading || 'Table'} (scrolls)`;
}

/**
 * A table wider (or taller) than its card scrolls inside it, as on a phone. Keyboard users must be
 * able to reach it and scroll it with the arrow keys, so while it scrolls its wrapper is a focusable,
 * named region; it stops being one when it fits again (a wider window, a closed section).
 */
export function ScrollRegions() {
  useEffect(() => {
    let frame = 0;
    const mark = () => {
      frame = 0;
      for (const wrap of Array.from(document.querySelectorAll<HTMLElement>('.table-wrap'))) {
        const scrolls = wrap.scrollWidth > wrap.clientWidth + 1 || wrap.scrollHeight > wrap.clientHeight + 1;
        const marked = wrap.dataset.scrollRegion !== undefined;
        if (scrolls && !marked && !wrap.hasAttribute('tabindex')) {
          wrap.dataset.scrollRegion = '';
          wrap.tabIndex = 0;
          wrap.setAttribute('role', 'region');
          if (!wrap.hasAttribute('aria-label')) wrap.setAttribute('aria-label', regionName(wrap));
        } else if (!scrolls && marked) {
          delete wrap.dataset.scrollRegion;
          wrap.removeAttribute('tabindex');
          wrap.removeAttribute('role');
          wrap.removeAttribute('aria-label');
        }
      }
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(mark);
    };
    mark();
    // Pages stream in and change on the client: look again whenever the document or the window changes.
    const observer = new MutationObserver(schedule);
    observer.observe(document.body, { childList: true, subtree: true });
    window.addEventListener('resize', schedule);
    document.addEventListener('toggle', schedule, true);
    return () => {
      observer.disconnect();
      window.removeEventListener('resize', schedule);
      document.removeEventListener('toggle', schedule, true);
      if (frame) cancelAnimationFrame(frame);
    };
  }, []);
  return null;
}
