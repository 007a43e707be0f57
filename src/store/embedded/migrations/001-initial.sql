-- Instants are epoch milliseconds (INTEGER); arrays and objects are JSON text.
CREATE TABLE grants (
  id TEXT PRIMARY KEY,
  principal_id TEXT NOT NULL,
  principal_name TEXT NOT NULL,
  groups TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  task TEXT NOT NULL,
  status TEXT NOT NULL,
  session_bound INTEGER NOT NULL,
  ttl_seconds INTEGER NOT NULL,
  requested_at INTEGER NOT NULL,
  activated_at INTEGER,
  expires_at INTEGER,
  ended_at INTEGER,
  end_reason TEXT,
  decided_by TEXT,
  decision_reason TEXT,
  approval_id TEXT
) STRICT;
CREATE INDEX grants_requested ON grants (requested_at);
CREATE INDEX grants_principal ON grants (principal_id, requested_at);
CREATE INDEX grants_resource ON grants (resource_id, requested_at);
CREATE INDEX grants_active_expiry ON grants (expires_at) WHERE status = 'active';

CREATE TABLE credentials (
  resource_id TEXT NOT NULL,
  username TEXT NOT NULL,
  grant_id TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  scram TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (resource_id, username)
) STRICT, WITHOUT ROWID;
CREATE INDEX credentials_grant ON credentials (grant_id);

CREATE TABLE service_accounts (
  name TEXT PRIMARY KEY,
  groups TEXT NOT NULL,
  kind TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  disabled_at INTEGER
) STRICT;

CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  subject TEXT NOT NULL,
  grant_id TEXT NOT NULL,
  requester_id TEXT NOT NULL,
  requester_name TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  task TEXT NOT NULL,
  summary TEXT NOT NULL,
  digest TEXT,
  rule TEXT NOT NULL,
  reason TEXT NOT NULL,
  approver_groups TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  decided_at INTEGER,
  decided_by TEXT,
  decided_by_name TEXT,
  decision_reason TEXT,
  consumed_at INTEGER
) STRICT;
CREATE INDEX approvals_created ON approvals (created_at);
CREATE INDEX approvals_status ON approvals (status, created_at);
CREATE INDEX approvals_grant ON approvals (grant_id);

-- seq is the rowid: the chain order.
CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  subject TEXT,
  data TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX audit_events_type ON audit_events (type, seq);
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_subject ON audit_events (subject, seq);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL,
  principal_id TEXT NOT NULL,
  principal_name TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  protocol TEXT NOT NULL,
  client TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  end_reason TEXT
) STRICT;
CREATE INDEX sessions_started ON sessions (started_at);
CREATE INDEX sessions_principal ON sessions (principal_id, started_at);
CREATE INDEX sessions_resource ON sessions (resource_id, started_at);
CREATE INDEX sessions_grant ON sessions (grant_id);

CREATE TABLE session_actions (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL,
  outcome TEXT NOT NULL,
  rule TEXT,
  reason TEXT,
  row_count INTEGER,
  duration_ms REAL,
  error TEXT,
  result TEXT,
  masked TEXT,
  PRIMARY KEY (session_id, seq)
) STRICT, WITHOUT ROWID;
-- Keeps "sessions with a denied action" cheap without scanning every action.
CREATE INDEX session_actions_denied ON session_actions (session_id) WHERE outcome = 'deny';
