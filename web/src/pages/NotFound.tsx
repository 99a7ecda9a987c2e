import { Link } from 'react-router-dom';
import { useTitle } from '../hooks/useTitle';

/** 404 for unknown routes and for resources that do not exist (or were deleted). */
export function NotFound({ what = 'page' }: { what?: string }) {
  useTitle('Not found');
  return (
    <div className="page narrow">
      <h1>Not found</h1>
      <p>This {what} does not exist, or it has been removed.</p>
      <p>
        <Link to="/">Go to the home page</Link> or <Link to="/search">search</Link>.
      </p>
    </div>
  );
}
