interface RatingInputProps {
  value: number | null;
  onChange(v: number): void;
  error?: string;
  name?: string;
}

/** Ten radio buttons in a fieldset (arrow keys move between them). */
export function RatingInput({ value, onChange, error, name = 'rating' }: RatingInputProps) {
  const errorId = `${name}-error`;
  return (
    <fieldset className="rating-input" aria-describedby={error ? errorId : undefined} aria-invalid={error ? true : undefined}>
      <legend>Your rating</legend>
      <div className="rating-options">
        {Array.from({ length: 10 }, (_, i) => i + 1).map((n) => (
          <label key={n} className="rating-option">
            <input type="radio" name={name} value={n} checked={value === n} onChange={() => onChange(n)} />
            <span>{n}</span>
          </label>
        ))}
      </div>
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </fieldset>
  );
}
