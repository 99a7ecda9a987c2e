import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, type Review } from '../api/client';
import { ApiError, errorMessage, unwrap, type FieldErrors } from '../api/problem';
import { FormError, TextArea } from './Field';
import { RatingInput } from './RatingInput';
import { ReviewItem } from './ReviewItem';

interface ReviewEditorProps {
  movieId: string;
  /** the signed-in user's review of this movie, if any */
  mine: Review | null;
  /** after a create, update or delete (null) */
  onChange(review: Review | null): void;
}

/** Write, edit or delete your own review of a movie. */
export function ReviewEditor({ movieId, mine, onChange }: ReviewEditorProps) {
  const [editing, setEditing] = useState(!mine);
  const [ratingValue, setRating] = useState<number | null>(mine?.rating ?? null);
  const [body, setBody] = useState(mine?.body ?? '');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [fields, setFields] = useState<FieldErrors>({});
  const [confirmDelete, setConfirmDelete] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  useEffect(() => {
    setEditing(!mine);
    setRating(mine?.rating ?? null);
    setBody(mine?.body ?? '');
  }, [mine]);

  useEffect(() => {
    if (!editing && returnFocus.current) {
      returnFocus.current = false;
      editButton.current?.focus();
    }
  }, [editing]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (ratingValue == null) {
      setFields({ rating: 'Pick a rating from 1 to 10.' });
      return;
    }
    setBusy(true);
    setMessage(null);
    setFields({});
    try {
      const payload = { rating: ratingValue, body: body.trim() };
      const saved = mine
        ? await unwrap(api.PUT('/api/reviews/{id}', { params: { path: { id: mine.id } }, body: payload }))
        : await unwrap(api.POST('/api/movies/{id}/reviews', { params: { path: { id: movieId } }, body: payload }));
      returnFocus.current = true;
      onChange(saved);
    } catch (err) {
      if (err instanceof ApiError) {
        setFields(err.fields);
        setMessage(err.status === 409 ? 'You have already reviewed this movie; reload the page to edit your review.' : err.message);
      } else setMessage(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!mine) return;
    setBusy(true);
    setMessage(null);
    try {
      await unwrap(api.DELETE('/api/reviews/{id}', { params: { path: { id: mine.id } } }));
      setConfirmDelete(false);
      onChange(null);
    } catch (err) {
      setMessage(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  if (mine && !editing) {
    return (
      <section className="my-review" aria-labelledby="my-review-title">
        <h3 id="my-review-title">Your review</h3>
        <ReviewItem review={mine} />
        <div className="actions">
          <button type="button" className="button" ref={editButton} onClick={() => setEditing(true)}>
            Edit your review
          </button>
          {!confirmDelete ? (
            <button type="button" className="button button-quiet" onClick={() => setConfirmDelete(true)}>
              Delete your review
            </button>
          ) : (
            <span className="confirm" role="group" aria-label="Confirm deletion">
              <span>Delete it for good?</span>
              <button type="button" className="button button-danger" disabled={busy} onClick={remove} autoFocus>
                Yes, delete
              </button>
              <button type="button" className="button button-quiet" onClick={() => setConfirmDelete(false)}>
                Keep it
              </button>
            </span>
          )}
        </div>
        <FormError message={message} />
      </section>
    );
  }

  return (
    <form className="my-review review-form" onSubmit={submit} aria-labelledby="review-form-title" noValidate>
      <h3 id="review-form-title">{mine ? 'Edit your review' : 'Write a review'}</h3>
      <RatingInput value={ratingValue} onChange={setRating} error={fields.rating} />
      <TextArea
        label="Your review (optional)"
        name="body"
        rows={4}
        maxLength={10000}
        value={body}
        onChange={(e) => setBody(e.target.value)}
        error={fields.body}
      />
      <FormError message={message} fields={fields} shown={['rating', 'body']} />
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : mine ? 'Save changes' : 'Post review'}
        </button>
        {mine && (
          <button type="button" className="button button-quiet" onClick={() => setEditing(false)}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
