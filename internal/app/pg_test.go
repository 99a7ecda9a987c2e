package app_test

import (
	"testing"

	"github.com/marquee-dev/marquee/internal/platform/sqldb"
	"github.com/marquee-dev/marquee/internal/platform/sqldb/sqldbtest"
)

func postgresURL(t *testing.T) string { return sqldbtest.URL(t, sqldb.Postgres) }
