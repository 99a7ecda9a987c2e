import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, onSessionChange, type Me } from '../api/client';
import { unwrap } from '../api/problem';
import { forgetAccessExpiry, hasSession, noteAccessExpiry } from '../api/session';

export type AuthStatus = 'loading' | 'signed-in' | 'anonymous';

export interface Auth {
  status: AuthStatus;
  user: Me | null;
  login(email: string, password: string): Promise<Me>;
  logout(): Promise<void>;
  /** Replaces the signed-in user (after an account change). */
  setUser(user: Me): void;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUserState] = useState<Me | null>(null);
  const [status, setStatus] = useState<AuthStatus>(() => (hasSession() ? 'loading' : 'anonymous'));

  const setUser = useCallback((u: Me | null) => {
    setUserState(u);
    setStatus(u ? 'signed-in' : 'anonymous');
  }, []);

  useEffect(() => onSessionChange((u) => setUser(u)), [setUser]);

  useEffect(() => {
    if (!hasSession()) return;
    let live = true;
    unwrap(api.GET('/api/me'))
      .then((me) => live && setUser(me))
      .catch(() => live && setUser(null));
    return () => {
      live = false;
    };
  }, [setUser]);

  const login = useCallback(
    async (email: string, password: string) => {
      const tokens = await unwrap(
        api.POST('/api/auth/login', {
          body: { email, password },
          params: { header: { 'X-Auth-Mode': 'cookie' } },
        }),
      );
      noteAccessExpiry(tokens.expires_in);
      setUser(tokens.user);
      return tokens.user;
    },
    [setUser],
  );

  const logout = useCallback(async () => {
    try {
      await unwrap(api.POST('/api/auth/logout', { params: { header: { 'X-Auth-Mode': 'cookie' } } }));
    } finally {
      forgetAccessExpiry();
      setUser(null);
    }
  }, [setUser]);

  const value = useMemo<Auth>(
    () => ({ status, user, login, logout, setUser: (u: Me) => setUser(u) }),
    [status, user, login, logout, setUser],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}
