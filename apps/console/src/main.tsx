import { Component, StrictMode, useCallback, useEffect, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError, describeError, getJson, session, type Me, type Role } from './api';
import { href, useRoute } from './router';
import { Dashboard } from './pages/Dashboard';
import { Roster } from './pages/Roster';
import { Obligations } from './pages/Obligations';
import { Ledger } from './pages/Ledger';
import { Queries } from './pages/Queries';
import { Packages } from './pages/Packages';
import { Checks } from './pages/Checks';
import { Anomalies } from './pages/Anomalies';
import './style.css';

interface Page {
  id: string;
  label: string;
  roles: Role[];
}

// Each page only where its API exists, for the roles that API serves.
const PAGES: Page[] = [
  { id: 'dashboard', label: '總覽', roles: ['auditor', 'ethics', 'admin'] },
  { id: 'roster', label: '使用者清冊', roles: ['integrator', 'auditor', 'ethics', 'admin'] },
  { id: 'obligations', label: '義務', roles: ['integrator', 'auditor', 'ethics', 'admin'] },
  { id: 'queries', label: '查詢與勾稽', roles: ['integrator', 'auditor', 'ethics', 'admin'] },
  { id: 'checks', label: '抽查', roles: ['integrator', 'auditor', 'ethics', 'admin'] },
  { id: 'anomalies', label: '異常', roles: ['ethics', 'auditor', 'admin'] },
  { id: 'ledger', label: '帳本', roles: ['auditor', 'ethics', 'admin'] },
  { id: 'packages', label: '稽核包', roles: ['auditor', 'admin'] },
];

const ROLE_LABELS: Record<Role, string> = { integrator: '介接機關', auditor: '稽核', ethics: '政風', admin: '管理者' };

function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setError('');
    if (!key.trim()) return setError('請輸入 API 金鑰');
    setBusy(true);
    try {
      const me = await getJson<Me>('/auth/me', {}, key.trim());
      session.set(key.trim(), me);
      onSignedIn(me);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 401 ? '金鑰無效或已撤銷' : describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin" aria-labelledby="signin-title">
      <h1 id="signin-title">WebIR 帳本稽核主控台</h1>
      <p>以 API 金鑰登入。金鑰僅保存於本分頁之工作階段(sessionStorage),關閉分頁即清除。</p>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="api-key">API 金鑰</label>
        <input id="api-key" name="api-key" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} aria-invalid={!!error} aria-describedby="signin-error" autoFocus />
        <button type="submit" disabled={busy}>登入</button>
        <p id="signin-error" role="alert" className="error">{error}</p>
      </form>
    </main>
  );
}

/** A page that fails shows its error in place; the menu stays usable. */
class PageBoundary extends Component<{ page: string; children: ReactNode }, { error: string | null; page: string }> {
  state = { error: null as string | null, page: this.props.page };
  static getDerivedStateFromError(error: unknown) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  static getDerivedStateFromProps(props: { page: string }, state: { page: string }) {
    return props.page !== state.page ? { error: null, page: props.page } : null;
  }
  render() {
    return this.state.error ? <p role="alert" className="error">此頁發生錯誤:{this.state.error}</p> : this.props.children;
  }
}

function App() {
  // A reload in a signed-in tab draws the pages at once from the remembered principal, and the
  // key is re-checked alongside: one round trip less before the first content.
  const [me, setMe] = useState<Me | null>(() => (session.key ? session.me : null));
  const [checking, setChecking] = useState(!!session.key && !session.me);
  const route = useRoute();

  useEffect(() => {
    if (!session.key) return;
    getJson<Me>('/auth/me')
      .then((fresh) => {
        session.remember(fresh);
        setMe(fresh);
      })
      .catch((e) => {
        // Only a refused key signs out; a network blip keeps the tab as it is.
        if (e instanceof ApiError && e.status === 401) {
          session.clear();
          setMe(null);
        }
      })
      .finally(() => setChecking(false));
  }, []);

  const signOut = useCallback(() => {
    session.clear();
    setMe(null);
  }, []);

  if (checking) return <p role="status">驗證金鑰中…</p>;
  if (!me) return <SignIn onSignedIn={setMe} />;

  const allowed = PAGES.filter((p) => p.roles.some((r) => me.roles.includes(r)));
  const current = allowed.find((p) => p.id === route.page) ?? allowed[0];
  return (
    <>
      <a className="skip" href="#content" onClick={(e) => { e.preventDefault(); document.getElementById('content')?.focus(); }}>跳至主要內容</a>
      <header>
        <strong>WebIR 帳本稽核主控台</strong>
        <nav aria-label="主選單">
          <ul>
            {allowed.map((p) => (
              <li key={p.id}>
                <a href={href(p.id)} aria-current={p.id === current?.id ? 'page' : undefined}>{p.label}</a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who" data-testid="principal">
          {me.principalId}({me.roles.map((r) => ROLE_LABELS[r]).join('、')})
        </span>
        <button type="button" onClick={signOut}>登出</button>
      </header>
      <main id="content" tabIndex={-1}>
        <PageBoundary page={current?.id ?? ''}>
        {!current && <p>此金鑰之角色無可用頁面。</p>}
        {current?.id === 'dashboard' && <Dashboard />}
        {current?.id === 'roster' && <Roster me={me} params={route.params} />}
        {current?.id === 'obligations' && <Obligations me={me} params={route.params} />}
        {current?.id === 'ledger' && <Ledger params={route.params} />}
        {current?.id === 'queries' && <Queries me={me} params={route.params} />}
        {current?.id === 'packages' && <Packages params={route.params} />}
        {current?.id === 'checks' && <Checks me={me} params={route.params} />}
        {current?.id === 'anomalies' && <Anomalies me={me} params={route.params} />}
        </PageBoundary>
      </main>
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
