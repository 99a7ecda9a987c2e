import { useState } from 'react';
import { errorMessage } from '../../api/problem';

interface DeleteRestoreProps {
  name: string;
  deleted: boolean;
  onDelete(): Promise<void>;
  onRestore(): Promise<void>;
  compact?: boolean;
}

/** Soft delete (with a confirmation step) or restore. */
export function DeleteRestore({ name, deleted, onDelete, onRestore, compact = false }: DeleteRestoreProps) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
      setConfirming(false);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <span className="delete-restore">
      {deleted ? (
        <button type="button" className="button" disabled={busy} onClick={() => run(onRestore)} aria-label={compact ? `Restore ${name}` : undefined}>
          Restore
        </button>
      ) : confirming ? (
        <span className="confirm" role="group" aria-label={`Confirm deleting ${name}`}>
          <span>Delete “{name}”?</span>
          <button type="button" className="button button-danger" disabled={busy} onClick={() => run(onDelete)} autoFocus>
            Yes, delete
          </button>
          <button type="button" className="button button-quiet" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <button type="button" className="button button-quiet" onClick={() => setConfirming(true)} aria-label={compact ? `Delete ${name}` : undefined}>
          Delete
        </button>
      )}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
