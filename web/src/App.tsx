import { lazy, Suspense } from 'react';
import { Route, Routes } from 'react-router-dom';
import { Layout } from './components/Layout';
import { RequireAuth } from './components/RequireAuth';
import { Loading } from './components/States';
import { Account } from './pages/Account';
import { ActorPage } from './pages/ActorPage';
import { Browse } from './pages/Browse';
import { Feed } from './pages/Feed';
import { Home } from './pages/Home';
import { Login } from './pages/Login';
import { MoviePage } from './pages/MoviePage';
import { NotFound } from './pages/NotFound';
import { Notifications } from './pages/Notifications';
import { NotificationSettings } from './pages/NotificationSettings';
import { Register } from './pages/Register';
import { Search } from './pages/Search';
import { Unsubscribe } from './pages/Unsubscribe';
import { UserPage } from './pages/UserPage';
import { OrderPage } from './pages/billing/OrderPage';
import { Plans } from './pages/billing/Plans';
import { loadWatchPage } from './pages/watch/load';

// Administrators' pages are a chunk of their own: the home page does not load them.
const AdminApp = lazy(() => import('./pages/admin/AdminApp'));
// So is the player (hls.js).
const WatchPage = lazy(loadWatchPage);

export function App() {
  return (
    <Layout>
      <Routes>
        <Route path="/" element={<Home />} />
        <Route path="/search" element={<Search />} />
        <Route path="/browse" element={<Browse />} />
        <Route path="/movies/:id" element={<MoviePage />} />
        <Route path="/actors/:id" element={<ActorPage />} />
        <Route path="/users/:id" element={<UserPage />} />
        <Route
          path="/feed"
          element={
            <RequireAuth>
              <Feed />
            </RequireAuth>
          }
        />
        <Route
          path="/watch/:id"
          element={
            <RequireAuth>
              <Suspense fallback={<Loading label="Loading the player…" />}>
                <WatchPage />
              </Suspense>
            </RequireAuth>
          }
        />
        <Route path="/plans" element={<Plans />} />
        <Route
          path="/account/orders/:id"
          element={
            <RequireAuth>
              <OrderPage />
            </RequireAuth>
          }
        />
        <Route
          path="/notifications"
          element={
            <RequireAuth>
              <Notifications />
            </RequireAuth>
          }
        />
        <Route
          path="/settings/notifications"
          element={
            <RequireAuth>
              <NotificationSettings />
            </RequireAuth>
          }
        />
        <Route path="/unsubscribe" element={<Unsubscribe />} />
        <Route path="/login" element={<Login />} />
        <Route path="/register" element={<Register />} />
        <Route
          path="/account"
          element={
            <RequireAuth>
              <Account />
            </RequireAuth>
          }
        />
        <Route
          path="/admin/*"
          element={
            <Suspense fallback={<Loading label="Loading the administration pages…" />}>
              <AdminApp />
            </Suspense>
          }
        />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Layout>
  );
}
