package sqldb

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the cache: statements built for a varying number of
// rows (multi-row VALUES lists) are many, the hot ones few.
const maxCachedStmts = 512

// stmtCache keeps SQLite's prepared statements across transactions. The
// SQLite driver parses and plans every statement it is given anew, which was
// about a sixth of the CPU of a busy process (the demo fill); database/sql
// keeps a prepared statement per connection once a transaction has used it
// (Tx.StmtContext). Only statements with arguments are cached: those without
// are DDL and multi-statement scripts (migrations), run once.
type stmtCache struct {
	db      *sql.DB
	mu      sync.Mutex
	byQuery map[string]*sql.Stmt
	closed  bool
}

// get returns the statement of q, preparing it the first time; nil when the
// cache is full or q does not prepare (the caller runs it unprepared, which
// reports the error as before).
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.byQuery[q]
	full := c.closed || len(c.byQuery) >= maxCachedStmts
	c.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.byQuery[q]; ok || c.closed {
		st.Close() // prepared by another caller meanwhile, or closing
		return prev
	}
	c.byQuery[q] = st
	return st
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, st := range c.byQuery {
		st.Close()
	}
	clear(c.byQuery)
}
