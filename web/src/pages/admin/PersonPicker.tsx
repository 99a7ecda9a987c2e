import { useId, useState } from 'react';
import { api, type PersonSummary } from '../../api/client';
import { unwrap } from '../../api/problem';
import { useAsync } from '../../hooks/useAsync';
import { useDebounced } from '../../hooks/useDebounced';

/**
 * Find a person by name and pick one: a search box and a list of buttons
 * (keyboard: type, Tab to a result, Enter).
 */
export function PersonPicker({ label, onPick }: { label: string; onPick(p: PersonSummary): void }) {
  const id = useId();
  const [text, setText] = useState('');
  const q = useDebounced(text.trim(), 250);
  const found = useAsync(
    async (signal) =>
      q.length < 2
        ? []
        : (await unwrap(api.GET('/api/admin/catalog/people', { params: { query: { q, limit: 8 } }, signal, cache: 'no-store' }))).items,
    [q],
    { keepData: true },
  );
  const items = q.length < 2 ? [] : (found.state.data ?? []);
  return (
    <div className="picker">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="search"
        autoComplete="off"
        placeholder="Type two letters of a name"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') e.preventDefault(); // not the form's submit
        }}
      />
      <div aria-live="polite" className="picker-results">
        {q.length >= 2 && found.state.status === 'ok' && items.length === 0 && <p className="muted">Nobody called “{q}”. Add them under People first.</p>}
        {found.state.status === 'error' && <p className="field-error">Could not search people.</p>}
        {items.length > 0 && (
          <ul className="picker-list">
            {items.map((p) => (
              <li key={p.id}>
                <button
                  type="button"
                  className="button button-quiet"
                  onClick={() => {
                    onPick(p);
                    setText('');
                  }}
                >
                  Add {p.name}
                  {p.birth_date ? ` (${p.birth_date.slice(0, 4)})` : ''}
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
