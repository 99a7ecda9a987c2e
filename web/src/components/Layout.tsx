import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link, NavLink, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext';
import { NotificationBell } from './NotificationBell';

/** Skip link, header with navigation, the main region (focused on page change) and the footer. */
export function Layout({ children }: { children: ReactNode }) {
  const { status, user } = useAuth();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    // Move focus to the new page (not on the first load), so keyboard and
    // screen-reader users start at its top.
    if (first.current) {
      first.current = false;
      return;
    }
    window.scrollTo(0, 0);
    const active = document.activeElement;
    // Leave focus where it is when the page focused something itself, or when
    // the user is typing (the header's search box navigates as you type).
    if (active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement || active instanceof HTMLSelectElement) return;
    if (main.current && active && active !== main.current && main.current.contains(active)) return;
    main.current?.focus({ preventScroll: true });
  }, [location.pathname]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="header-inner">
          <Link to="/" className="logo" aria-label="Marquee home">
            <span aria-hidden="true">▮</span> Marquee
          </Link>
          <HeaderSearch />
          <nav aria-label="Main" className="main-nav">
            {/* Two lists: on a phone the links scroll sideways while the bell
                and the account (or log in / sign up) stay in sight. */}
            <ul className="nav-links">
              <li>
                <NavLink to="/" end>
                  Home
                </NavLink>
              </li>
              <li>
                <NavLink to="/browse">Browse</NavLink>
              </li>
              <li>
                <NavLink to="/plans">Plans</NavLink>
              </li>
              {status === 'signed-in' && user && (
                <>
                  <li>
                    <NavLink to="/feed">Feed</NavLink>
                  </li>
                  <li>
                    <NavLink to={`/users/${user.id}`} end>
                      My page
                    </NavLink>
                  </li>
                  {user.role === 'admin' && (
                    <li>
                      <NavLink to="/admin">Admin</NavLink>
                    </li>
                  )}
                </>
              )}
            </ul>
            {status === 'signed-in' && user && (
              <ul className="nav-account">
                <li>
                  <NotificationBell />
                </li>
                <li>
                  <NavLink to="/account" data-testid="account-link">
                    Account
                  </NavLink>
                </li>
              </ul>
            )}
            {status === 'anonymous' && (
              <ul className="nav-account">
                <li>
                  <NavLink to="/login">Log in</NavLink>
                </li>
                <li>
                  <NavLink to="/register" className="nav-cta">
                    Sign up
                  </NavLink>
                </li>
              </ul>
            )}
          </nav>
        </div>
      </header>
      <main id="main" tabIndex={-1} ref={main}>
        {children}
      </main>
      <footer className="site-footer">
        <p>
          Marquee · <a href="/api/docs">API</a>
        </p>
      </footer>
    </>
  );
}

/**
 * The search box, in the header on every page. Typing goes to /search?q=…
 * (the search page shows results as you type); on /search it follows the
 * address (back button) and the address follows it (replace: no history
 * entry per keystroke). Staying mounted, it never loses a keystroke.
 */
function HeaderSearch() {
  const navigate = useNavigate();
  const location = useLocation();
  const [params] = useSearchParams();
  const onSearch = location.pathname === '/search';
  const urlQ = onSearch ? (params.get('q') ?? '') : '';
  const [q, setQ] = useState(urlQ);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    // While the box has focus, what is typed is the truth: the address lags a
    // key or two behind (navigations are transitions) and must not undo keys.
    if (document.activeElement !== input.current) setQ(urlQ);
  }, [urlQ, onSearch]);

  const go = (v: string) => {
    const target = v ? `/search?q=${encodeURIComponent(v)}` : '/search';
    navigate(target, { replace: onSearch, state: { typing: true } });
  };

  return (
    <form
      role="search"
      className="header-search"
      onSubmit={(e) => {
        e.preventDefault();
        go(q);
      }}
    >
      <label htmlFor="header-q" className="visually-hidden">
        Search movies and people
      </label>
      <input
        id="header-q"
        ref={input}
        type="search"
        placeholder="Search movies and people"
        autoComplete="off"
        value={q}
        aria-controls={onSearch ? 'search-results' : undefined}
        onChange={(e) => {
          const v = e.target.value;
          setQ(v);
          if (onSearch || v.trim()) go(v);
        }}
      />
    </form>
  );
}
