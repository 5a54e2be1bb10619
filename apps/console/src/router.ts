import { useEffect, useState } from 'react';

// Hash routing: a link holds the page and its filters (#/roster?agency=SWD&asOf=2025-07-04), the
// server needs no fallback, and the part after # never reaches a server or a Referer header. Only
// filters go here — never a reveal purpose or a personal datum.
export interface Route {
  page: string;
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [page, search = ''] = raw.split('?');
  return { page: page || 'dashboard', params: new URLSearchParams(search) };
}

export function href(page: string, params: Record<string, string | undefined> = {}): string {
  const entries = Object.entries(params).filter((e): e is [string, string] => !!e[1]);
  const search = new URLSearchParams(entries).toString();
  return `#/${page}${search ? `?${search}` : ''}`;
}

export function navigate(page: string, params: Record<string, string | undefined> = {}): void {
  window.location.hash = href(page, params);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
