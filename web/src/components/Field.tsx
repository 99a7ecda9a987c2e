import { readableField } from '../pages/admin/fields';
import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import type { FieldErrors } from '../api/problem';

interface Common {
  label: ReactNode;
  error?: string;
  hint?: ReactNode;
}

function describedBy(hintId: string, errorId: string, hint: unknown, error: unknown) {
  return [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
}

/** A labelled input with its hint and its server error beside it. */
export function Field({ label, error, hint, id, ...input }: Common & InputHTMLAttributes<HTMLInputElement>) {
  const auto = useId();
  const fid = id ?? auto;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={fid}>{label}</label>
      <input id={fid} aria-invalid={error ? true : undefined} aria-describedby={describedBy(`${fid}-hint`, `${fid}-error`, hint, error)} {...input} />
      {hint && (
        <p className="field-hint" id={`${fid}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${fid}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

export function TextArea({ label, error, hint, id, ...input }: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const auto = useId();
  const fid = id ?? auto;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={fid}>{label}</label>
      <textarea id={fid} aria-invalid={error ? true : undefined} aria-describedby={describedBy(`${fid}-hint`, `${fid}-error`, hint, error)} {...input} />
      {hint && (
        <p className="field-hint" id={`${fid}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${fid}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

export function Select({ label, error, hint, id, children, ...input }: Common & SelectHTMLAttributes<HTMLSelectElement>) {
  const auto = useId();
  const fid = id ?? auto;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={fid}>{label}</label>
      <select id={fid} aria-invalid={error ? true : undefined} aria-describedby={describedBy(`${fid}-hint`, `${fid}-error`, hint, error)} {...input}>
        {children}
      </select>
      {hint && (
        <p className="field-hint" id={`${fid}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${fid}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * The form-level message: the problem's detail and the field errors no field
 * on the form shows (shown fields carry their own message beside them).
 */
export function FormError({ message, fields, shown = [] }: { message?: string | null; fields?: FieldErrors; shown?: string[] }) {
  const others = Object.entries(fields ?? {}).filter(([f]) => !shown.some((s) => f === s || f.startsWith(`${s}[`) || f.startsWith(`${s}.`)));
  if (!message && others.length === 0) return null;
  return (
    <div className="form-error" role="alert">
      {message && <p>{message}</p>}
      {others.length > 0 && (
        <ul>
          {others.map(([f, reason]) => (
            <li key={f}>
              <strong>{readableField(f)}</strong> {reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
