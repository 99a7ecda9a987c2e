import { Link } from 'react-router-dom';
import { longDate } from '../format';

export interface ReviewLike {
  id: string;
  movie_id: string;
  movie_title?: string;
  author: { id: string; display_name: string };
  rating: number;
  body: string;
  created_at: string;
  updated_at: string;
}

/** One review: rating, who wrote it (or of which movie), when, and the text. */
export function ReviewItem({ review, show = 'author' }: { review: ReviewLike; show?: 'author' | 'movie' | 'both' }) {
  const edited = review.updated_at !== review.created_at;
  const author = review.author.display_name || 'Someone';
  const movie = review.movie_title || 'a movie';
  return (
    <article className="review" data-testid="review">
      <header className="review-head">
        <span className="review-rating" aria-label={`Rated ${review.rating} out of 10`}>
          <span aria-hidden="true">★ {review.rating}</span>
        </span>
        <span className="review-who">
          {show !== 'movie' && <Link to={`/users/${review.author.id}`}>{author}</Link>}
          {show === 'both' && ' on '}
          {show !== 'author' && <Link to={`/movies/${review.movie_id}`}>{movie}</Link>}
        </span>
        <time className="muted" dateTime={review.created_at}>
          {longDate(review.created_at)}
          {edited && ' (edited)'}
        </time>
      </header>
      {review.body && <p className="review-body">{review.body}</p>}
    </article>
  );
}
