import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../api/client';
import { ApiError, errorMessage, unwrap } from '../api/problem';
import { useTitle } from '../hooks/useTitle';

const NAMES: Record<string, string> = {
  email_new_movies: 'e-mails about new movies',
  email_billing: 'e-mails about payments and your subscription',
};

/** The page an e-mail's "Unsubscribe" link opens: one button, no login needed. */
export function Unsubscribe() {
  useTitle('Unsubscribe');
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [state, setState] = useState<{ status: 'idle' | 'busy' | 'done' | 'error'; text?: string }>({ status: 'idle' });

  const confirm = async () => {
    setState({ status: 'busy' });
    try {
      const res = await unwrap(api.POST('/api/unsubscribe', { params: { query: { token } } }));
      setState({ status: 'done', text: `You will get no more ${NAMES[res.setting] ?? res.setting}.` });
    } catch (err) {
      setState({ status: 'error', text: refusal(err) });
    }
  };

  return (
    <div className="page narrow">
      <h1>Unsubscribe</h1>
      {state.status === 'done' ? (
        <p role="status">
          {state.text} You can change this any time in your <Link to="/settings/notifications">notification settings</Link>.
        </p>
      ) : (
        <>
          <p>Stop the e-mails this link came with?</p>
          <button type="button" className="button button-primary" onClick={() => void confirm()} disabled={!token || state.status === 'busy'}>
            Unsubscribe
          </button>
          {state.status === 'error' && (
            <p role="alert" className="form-error">
              {state.text}
            </p>
          )}
        </>
      )}
    </div>
  );
}

/** Why the link did not work: the server's reason about the token when it gives one. */
function refusal(err: unknown): string {
  const reason = err instanceof ApiError ? err.fields.token : undefined;
  if (reason) return `This unsubscribe link ${reason}. Use the link from the newest e-mail, or change your notification settings after logging in.`;
  return errorMessage(err);
}
