// The administration pages: a separate chunk (React.lazy), loaded only when
// an administrator opens /admin.
import { Link, NavLink, Route, Routes } from 'react-router-dom';
import { RequireAuth } from '../../components/RequireAuth';
import { useTitle } from '../../hooks/useTitle';
import { NotFound } from '../NotFound';
import { AdminMail } from './AdminMail';
import { AdminMovies } from './AdminMovies';
import { AdminPeople } from './AdminPeople';
import { AdminVideo } from './AdminVideo';
import { AdminMoviePlans, AdminPlans } from './AdminPlans';
import { MovieForm } from './MovieForm';
import { PersonForm } from './PersonForm';

export default function AdminApp() {
  return (
    <RequireAuth admin>
      <div className="page admin">
        <nav aria-label="Administration" className="sub-nav">
          <ul>
            <li>
              <NavLink to="/admin" end>
                Overview
              </NavLink>
            </li>
            <li>
              <NavLink to="/admin/movies">Movies</NavLink>
            </li>
            <li>
              <NavLink to="/admin/people">People</NavLink>
            </li>
            <li>
              <NavLink to="/admin/plans">Plans</NavLink>
            </li>
            <li>
              <NavLink to="/admin/mail">Mail</NavLink>
            </li>
          </ul>
        </nav>
        <Routes>
          <Route index element={<AdminHome />} />
          <Route path="movies" element={<AdminMovies />} />
          <Route path="movies/new" element={<MovieForm />} />
          <Route path="movies/:id" element={<MovieForm />} />
          <Route path="people" element={<AdminPeople />} />
          <Route path="plans" element={<AdminPlans />} />
          <Route path="movies/:id/plans" element={<AdminMoviePlans />} />
          <Route path="movies/:id/video" element={<AdminVideo />} />
          <Route path="people/new" element={<PersonForm />} />
          <Route path="people/:id" element={<PersonForm />} />
          <Route path="mail" element={<AdminMail />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </div>
    </RequireAuth>
  );
}

function AdminHome() {
  useTitle('Administration');
  return (
    <>
      <h1>Administration</h1>
      <div className="admin-cards">
        <section className="panel">
          <h2>Movies</h2>
          <p>Add films, correct their details, cast and crew; delete and restore them.</p>
          <p className="actions">
            <Link className="button" to="/admin/movies">
              Manage movies
            </Link>
            <Link className="button button-primary" to="/admin/movies/new">
              Add a movie
            </Link>
          </p>
        </section>
        <section className="panel">
          <h2>People</h2>
          <p>Actors, directors and the rest of the crew.</p>
          <p className="actions">
            <Link className="button" to="/admin/people">
              Manage people
            </Link>
            <Link className="button button-primary" to="/admin/people/new">
              Add a person
            </Link>
          </p>
        </section>
      </div>
    </>
  );
}
