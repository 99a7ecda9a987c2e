-- c_done and m_done: the C and m every stored wr was computed with by the
-- last complete recomputation (-1: not known, so the next one runs); while
-- they differ from c_used and m_used, browse's background work recomputes.
ALTER TABLE browse_stats ADD COLUMN c_done DOUBLE PRECISION NOT NULL DEFAULT -1,
    ADD COLUMN m_done INTEGER NOT NULL DEFAULT -1;
