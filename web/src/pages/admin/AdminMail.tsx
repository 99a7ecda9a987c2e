import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import { PagedList } from '../../components/PagedList';
import { usePaged } from '../../hooks/usePaged';
import { useTitle } from '../../hooks/useTitle';

/** The mails the embedded default wrote as .eml files (none when SMTP is configured). */
export function AdminMail() {
  useTitle('Mail');
  const list = usePaged((cursor, signal) => unwrap(api.GET('/api/admin/mail', { params: { query: { limit: 50, cursor } }, signal, cache: 'no-store' })), []);
  return (
    <>
      <div className="page-head">
        <h1>Mail</h1>
        <button type="button" className="button button-quiet" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <p className="hint">Without MARQUEE_SMTP_URL every mail is written as an .eml file under the data directory instead of being sent.</p>
      <PagedList
        list={list}
        keyOf={(m) => m.id}
        testId="mail"
        empty={<>No mail written yet (or mail goes out over SMTP).</>}
        render={(m) => (
          <div className="mail-row">
            <a href={`/api/admin/mail/${encodeURIComponent(m.id)}`} target="_blank" rel="noreferrer">
              {m.subject || '(no subject)'}
            </a>
            <span> to {m.to}</span> · <time dateTime={m.date}>{new Date(m.date).toLocaleString()}</time>
          </div>
        )}
      />
    </>
  );
}
