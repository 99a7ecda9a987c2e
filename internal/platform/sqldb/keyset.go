package sqldb

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadPosition is returned for a list position (a decoded cursor) that
// does not fit the list's sort.
var ErrBadPosition = errors.New("list position does not fit the sort")

// Keyset builds the WHERE part and ORDER BY of a keyset page over keys:
// rows after the position after (nil: from the first) in key order, every
// key in the direction desc says. conv converts each position value into its
// SQL argument; a position that does not fit gives ErrBadPosition.
func Keyset(keys []string, after []string, desc bool, conv func(i int, v string) (any, error)) (where string, args []any, orderBy string, err error) {
	dir, cmp := " ASC", ">"
	if desc {
		dir, cmp = " DESC", "<"
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + dir
	}
	orderBy = strings.Join(parts, ", ")
	if after == nil {
		return "", nil, orderBy, nil
	}
	if len(after) != len(keys) {
		return "", nil, "", ErrBadPosition
	}
	args = make([]any, len(after))
	for i, v := range after {
		a, err := conv(i, v)
		if err != nil {
			return "", nil, "", fmt.Errorf("%w: %v", ErrBadPosition, err)
		}
		args[i] = a
	}
	where = "(" + strings.Join(keys, ", ") + ") " + cmp + " (" + Placeholders(len(keys)) + ")"
	return where, args, orderBy, nil
}
