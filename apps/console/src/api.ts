// The console talks to the documented HTTP API only, with the key of this tab's session.
const KEY = 'webir-ledger.apiKey';
// Who the key belongs to (roles, agencies; never the key): the menu is drawn from it at once on a
// reload while /auth/me re-checks the key. The API enforces the roles whatever this says.
const ME = 'webir-ledger.me';

export type Role = 'integrator' | 'auditor' | 'ethics' | 'admin';
export interface Me {
  principalId: string;
  roles: Role[];
  agencies: string[];
}

export const session = {
  get key(): string | null {
    return sessionStorage.getItem(KEY);
  },
  set(key: string, me?: Me): void {
    sessionStorage.setItem(KEY, key);
    if (me) sessionStorage.setItem(ME, JSON.stringify(me));
  },
  get me(): Me | null {
    try {
      return JSON.parse(sessionStorage.getItem(ME) ?? 'null') as Me | null;
    } catch {
      return null;
    }
  },
  remember(me: Me): void {
    sessionStorage.setItem(ME, JSON.stringify(me));
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ME);
  },
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: { field: string; message?: string }[] = [],
  ) {
    super(message);
  }
}

type Params = Record<string, string | undefined>;

export function query(params: Params): string {
  const entries = Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '');
  return entries.length ? '?' + new URLSearchParams(entries).toString() : '';
}

async function call(path: string, init: RequestInit = {}, key = session.key): Promise<Response> {
  const headers = new Headers(init.headers);
  if (key) headers.set('X-API-Key', key);
  const res = await fetch(path, { ...init, headers, referrerPolicy: 'no-referrer' });
  if (!res.ok) {
    let body: { code?: string; message?: string; fields?: { field: string; message?: string }[] } = {};
    try {
      body = await res.json();
    } catch {
      // A body that is not a problem document: the status says enough.
    }
    throw new ApiError(res.status, body.code ?? `HTTP_${res.status}`, body.message ?? res.statusText, body.fields);
  }
  return res;
}

export async function getJson<T>(path: string, params: Params = {}, key?: string): Promise<T> {
  return (await call(path + query(params), {}, key ?? session.key)).json() as Promise<T>;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return (await call(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })).json() as Promise<T>;
}

/** A download through fetch, so that the key travels in a header and never in a link. */
export async function download(path: string, params: Params, fallbackName: string): Promise<void> {
  const res = await call(path + query(params));
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = error.fields.map((f) => f.field).join('、');
    return `${error.status} ${error.code}:${error.message}${fields ? `(欄位:${fields})` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}
