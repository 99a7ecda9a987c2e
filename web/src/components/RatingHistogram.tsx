import type { RatingSummary } from '../api/client';
import { plural, rating } from '../format';

const VALUES = ['10', '9', '8', '7', '6', '5', '4', '3', '2', '1'] as const;

/** The average, the number of ratings and one bar per value (10 at the top). */
export function RatingHistogram({ summary }: { summary: RatingSummary }) {
  const hist = summary.histogram as Record<string, number>;
  const max = Math.max(1, ...VALUES.map((v) => hist[v] ?? 0));
  return (
    <div className="histogram" data-testid="rating-summary">
      <p className="histogram-average">
        {summary.count > 0 ? (
          <>
            <span className="big-rating" data-testid="rating-average">
              {rating(summary.average)}
            </span>
            <span className="muted"> / 10 · </span>
          </>
        ) : (
          <span className="not-rated">Not rated yet · </span>
        )}
        <span className="muted" data-testid="rating-count">
          {plural(summary.count, 'rating')}
        </span>
      </p>
      {summary.count > 0 && (
        <table className="histogram-table">
          <caption className="visually-hidden">Number of ratings for each value</caption>
          <thead className="visually-hidden">
            <tr>
              <th scope="col">Rating</th>
              <th scope="col">Count</th>
            </tr>
          </thead>
          <tbody>
            {VALUES.map((v) => {
              const n = hist[v] ?? 0;
              return (
                <tr key={v}>
                  <th scope="row">{v}</th>
                  <td>
                    <span className="bar-track" aria-hidden="true">
                      <span
                        className="bar"
                        ref={(el) => {
                          if (el) el.style.width = `${(n / max) * 100}%`;
                        }}
                      />
                    </span>
                    <span className="bar-count">{n}</span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
