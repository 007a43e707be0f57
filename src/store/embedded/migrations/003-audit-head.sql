-- The chain head (seq and hash of the newest entry), written in the same transaction as each append and read
-- by the next append. Removing the newest entries leaves a chain that verifies on its own; it no longer
-- reaches this head, and an append after the removal leaves a gap instead of closing it.
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
) STRICT;
INSERT INTO audit_head (id, seq, hash) SELECT 1, seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1;
