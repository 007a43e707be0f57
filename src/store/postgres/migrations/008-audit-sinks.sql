-- Each audit sink (SIEM export) keeps the seq of the last entry it delivered: the audit log itself is the
-- queue, so a restart or an outage resumes after this seq and leaves no gap.
CREATE TABLE taskgate.audit_sink_cursors (
  sink_id text PRIMARY KEY,
  seq bigint NOT NULL,
  updated_at timestamptz NOT NULL
);
-- Batches a sink gave up on after its attempts ran out: the entries stay in the audit log, these rows say
-- which ones a sink never received and why.
CREATE TABLE taskgate.audit_dead_letters (
  id bigserial PRIMARY KEY,
  sink_id text NOT NULL,
  from_seq bigint NOT NULL,
  to_seq bigint NOT NULL,
  attempts integer NOT NULL,
  reason text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX audit_dead_letters_by_sink ON taskgate.audit_dead_letters (sink_id, id);
