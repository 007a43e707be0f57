-- Each audit sink (SIEM export) keeps the seq of the last entry it delivered: the audit log itself is the
-- queue, so a restart or an outage resumes after this seq and leaves no gap.
CREATE TABLE audit_sink_cursors (
  sink_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
-- Batches a sink gave up on after its attempts ran out: the entries stay in the audit log, these rows say
-- which ones a sink never received and why.
CREATE TABLE audit_dead_letters (
  id INTEGER PRIMARY KEY,
  sink_id TEXT NOT NULL,
  from_seq INTEGER NOT NULL,
  to_seq INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  reason TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX audit_dead_letters_by_sink ON audit_dead_letters (sink_id, id);
