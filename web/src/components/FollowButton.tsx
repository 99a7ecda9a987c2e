import { useState } from 'react';
import { api } from '../api/client';
import { errorMessage, unwrap } from '../api/problem';

interface FollowButtonProps {
  userId: string;
  name: string;
  following: boolean;
  onChange(following: boolean): void;
}

/** Follow / unfollow a user. */
export function FollowButton({ userId, name, following, onChange }: FollowButtonProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function toggle() {
    setBusy(true);
    setError(null);
    try {
      if (following) await unwrap(api.DELETE('/api/users/{id}/follow', { params: { path: { id: userId } } }));
      else await unwrap(api.PUT('/api/users/{id}/follow', { params: { path: { id: userId } } }));
      onChange(!following);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <span className="follow">
      <button
        type="button"
        className={`button ${following ? '' : 'button-primary'}`}
        disabled={busy}
        onClick={toggle}
      >
        {following ? `Unfollow ${name}` : `Follow ${name}`}
      </button>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
