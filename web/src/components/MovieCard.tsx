import { Link } from 'react-router-dom';
import { rating, year } from '../format';
import { Poster } from './Poster';

export interface CardMovie {
  id: string;
  title: string;
  release_date?: string | null;
  poster_url?: string | null;
  rating_summary?: { average?: number | null; count: number };
  weighted_rating?: number;
}

/** Whether the poster itself prints the title: no poster (placeholder) or a generated one. */
export function showsTitle(url: string | null | undefined): boolean {
  return !url || /\/api\/movies\/[^/]+\/poster\.svg/.test(url);
}

/** A movie in a row or grid: poster, title, year and average rating; the whole card is one link. */
export function MovieCard({ movie }: { movie: CardMovie }) {
  const avg = movie.rating_summary?.average;
  const count = movie.rating_summary?.count ?? 0;
  return (
    <Link className="card" to={`/movies/${movie.id}`}>
      <Poster id={movie.id} title={movie.title} url={movie.poster_url} />
      {/* a drawn poster (generated, or the placeholder) shows the title already */}
      <span className={showsTitle(movie.poster_url) ? 'card-title visually-hidden' : 'card-title'}>{movie.title}</span>
      <span className="card-meta">
        {year(movie.release_date)}
        {count > 0 && (
          <span className="card-rating" aria-label={`rated ${rating(avg)} out of 10 by ${count}`}>
            <span aria-hidden="true">★ {rating(avg)}</span>
          </span>
        )}
      </span>
    </Link>
  );
}
