-- Applied inside the migration transaction, after CREATE SCHEMA taskgate (migrate.ts).
CREATE TABLE taskgate.grants (
  id text PRIMARY KEY,
  principal_id text NOT NULL,
  principal_name text NOT NULL,
  groups jsonb NOT NULL,
  resource_id text NOT NULL,
  scope jsonb NOT NULL,
  task text NOT NULL,
  status text NOT NULL,
  session_bound boolean NOT NULL,
  ttl_seconds integer NOT NULL,
  requested_at timestamptz NOT NULL,
  activated_at timestamptz,
  expires_at timestamptz,
  ended_at timestamptz,
  end_reason text,
  decided_by text,
  decision_reason text,
  approval_id text
);
CREATE INDEX grants_requested ON taskgate.grants (requested_at);
CREATE INDEX grants_principal ON taskgate.grants (principal_id, requested_at);
CREATE INDEX grants_resource ON taskgate.grants (resource_id, requested_at);
CREATE INDEX grants_active_expiry ON taskgate.grants (expires_at) WHERE status = 'active';

CREATE TABLE taskgate.credentials (
  resource_id text NOT NULL,
  username text NOT NULL,
  grant_id text NOT NULL,
  secret_hash text NOT NULL,
  scram jsonb NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (resource_id, username)
);
CREATE INDEX credentials_grant ON taskgate.credentials (grant_id);

CREATE TABLE taskgate.service_accounts (
  name text PRIMARY KEY,
  groups jsonb NOT NULL,
  kind text NOT NULL,
  key_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  disabled_at timestamptz
);

CREATE TABLE taskgate.approvals (
  id text PRIMARY KEY,
  subject text NOT NULL,
  grant_id text NOT NULL,
  requester_id text NOT NULL,
  requester_name text NOT NULL,
  resource_id text NOT NULL,
  task text NOT NULL,
  summary text NOT NULL,
  digest text,
  rule text NOT NULL,
  reason text NOT NULL,
  approver_groups jsonb NOT NULL,
  status text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  decided_at timestamptz,
  decided_by text,
  decided_by_name text,
  decision_reason text,
  consumed_at timestamptz
);
CREATE INDEX approvals_created ON taskgate.approvals (created_at);
CREATE INDEX approvals_status ON taskgate.approvals (status, created_at);
CREATE INDEX approvals_grant ON taskgate.approvals (grant_id);

-- data is json, not jsonb: jsonb reorders keys and would hand a verifier other bytes than were written.
CREATE TABLE taskgate.audit_events (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL,
  type text NOT NULL,
  actor text NOT NULL,
  subject text,
  data json,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX audit_events_type ON taskgate.audit_events (type, seq);
CREATE INDEX audit_events_actor ON taskgate.audit_events (actor, seq);
CREATE INDEX audit_events_subject ON taskgate.audit_events (subject, seq);

CREATE TABLE taskgate.sessions (
  id text PRIMARY KEY,
  grant_id text NOT NULL,
  principal_id text NOT NULL,
  principal_name text NOT NULL,
  resource_id text NOT NULL,
  protocol text NOT NULL,
  client text NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  end_reason text
);
CREATE INDEX sessions_started ON taskgate.sessions (started_at);
CREATE INDEX sessions_principal ON taskgate.sessions (principal_id, started_at);
CREATE INDEX sessions_resource ON taskgate.sessions (resource_id, started_at);
CREATE INDEX sessions_grant ON taskgate.sessions (grant_id);

CREATE TABLE taskgate.session_actions (
  session_id text NOT NULL,
  seq integer NOT NULL,
  at timestamptz NOT NULL,
  kind text NOT NULL,
  text text NOT NULL,
  outcome text NOT NULL,
  rule text,
  reason text,
  row_count bigint,
  duration_ms double precision,
  error text,
  result jsonb,
  masked jsonb,
  PRIMARY KEY (session_id, seq)
);
-- Keeps "sessions with a denied action" cheap without scanning every action.
CREATE INDEX session_actions_denied ON taskgate.session_actions (session_id) WHERE outcome = 'deny';
