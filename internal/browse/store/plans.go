package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
)

// ApplyMoviePlans stores the plans offering a movie unless a version as
// high is stored; applied reports whether it was stored.
func (s *sqlStore) ApplyMoviePlans(ctx context.Context, q sqldb.Querier, movieID string, planIDs []string, version int64) (bool, error) {
	if planIDs == nil {
		planIDs = []string{}
	}
	raw, err := json.Marshal(planIDs)
	if err != nil {
		return false, err
	}
	res, err := q.ExecContext(ctx, `INSERT INTO browse_movie_plans (movie_id, plan_ids, version) VALUES (?, ?, ?)
		ON CONFLICT (movie_id) DO UPDATE SET plan_ids = excluded.plan_ids, version = excluded.version
		WHERE browse_movie_plans.version < excluded.version`, movieID, string(raw), version)
	if err != nil {
		return false, fmt.Errorf("apply plans of movie %s: %w", movieID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if _, err := q.ExecContext(ctx, `DELETE FROM browse_plan_movies WHERE movie_id = ?`, movieID); err != nil {
		return false, fmt.Errorf("apply plans of movie %s: %w", movieID, err)
	}
	for _, p := range planIDs {
		if _, err := q.ExecContext(ctx, `INSERT INTO browse_plan_movies (plan_id, movie_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, p, movieID); err != nil {
			return false, fmt.Errorf("apply plans of movie %s: %w", movieID, err)
		}
	}
	return true, nil
}

// MoviePlans returns the JSON array of the plans offering a movie ("[]"
// when billing has said nothing of it) and its version.
func (s *sqlStore) MoviePlans(ctx context.Context, q sqldb.Querier, movieID string) ([]byte, int64, error) {
	var raw string
	var v int64
	err := q.QueryRowContext(ctx, `SELECT plan_ids, version FROM browse_movie_plans WHERE movie_id = ?`, movieID).Scan(&raw, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return []byte("[]"), 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("plans of movie %s: %w", movieID, err)
	}
	return []byte(raw), v, nil
}

// ApplyUserPlan stores the plan a user's subscription gives (active: it
// gives access now) unless a version as high is stored.
func (s *sqlStore) ApplyUserPlan(ctx context.Context, q sqldb.Querier, userID, planID string, active bool, version int64) (bool, error) {
	a := 0
	if active {
		a = 1
	}
	res, err := q.ExecContext(ctx, `INSERT INTO browse_user_plans (user_id, plan_id, active, version) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET plan_id = excluded.plan_id, active = excluded.active, version = excluded.version
		WHERE browse_user_plans.version < excluded.version`, userID, planID, a, version)
	if err != nil {
		return false, fmt.Errorf("apply plan of user %s: %w", userID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// UserPlan returns the plan giving a user access now ("" when none).
func (s *sqlStore) UserPlan(ctx context.Context, q sqldb.Querier, userID string) (string, error) {
	var plan string
	var active int
	err := q.QueryRowContext(ctx, `SELECT plan_id, active FROM browse_user_plans WHERE user_id = ?`, userID).Scan(&plan, &active)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && active == 0) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("plan of user %s: %w", userID, err)
	}
	return plan, nil
}
