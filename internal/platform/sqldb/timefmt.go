package sqldb

import "time"

// TimeLayout is how timestamps are kept as text: on SQLite (TEXT columns)
// and in sort keys and cursors. Fixed width, UTC and microseconds, so the
// text compares and sorts as the time does.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// FormatTime formats t as TimeLayout text.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime reads a time formatted by FormatTime.
func ParseTime(s string) (time.Time, error) { return time.Parse(TimeLayout, s) }

// Timestamp rounds t the way both engines keep it (UTC, microseconds), so a
// value read back equals the one written.
func Timestamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// TimeArg turns t into the argument the engine's timestamp columns take:
// TimeLayout text on SQLite, a time.Time (TIMESTAMPTZ) on PostgreSQL.
func (e Engine) TimeArg(t time.Time) any {
	if e == SQLite {
		return FormatTime(t)
	}
	return Timestamp(t)
}

// NullTimeArg is TimeArg for a nullable column (nil for NULL).
func (e Engine) NullTimeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return e.TimeArg(*t)
}

// Position is a keyset position in a newest-first list (ordered by a time,
// then an id, both descending): the time and id of the last item shown.
type Position struct {
	At time.Time
	ID string
}
