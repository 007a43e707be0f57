-- Legal holds: a held session's recording is never removed by retention, whatever its age or size.
CREATE TABLE session_legal_holds (
  session_id TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  held_by TEXT NOT NULL,
  held_at INTEGER NOT NULL
) STRICT;
