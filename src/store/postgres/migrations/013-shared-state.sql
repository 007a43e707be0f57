-- State that used to live in one gateway's memory and must be shared by every gateway behind a load
-- balancer: console sessions (keyed by a hash of the cookie, their tokens encrypted with a key only the
-- cookie yields) and sign-ins in flight (OIDC state/PKCE, SAML relay state and request ids).
CREATE TABLE taskgate.shared_state (
  kind text NOT NULL,
  key text NOT NULL,
  value text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (kind, key)
);
CREATE INDEX shared_state_expiry ON taskgate.shared_state (expires_at);
-- Work one gateway does for all (SIEM export per sink): the holder renews before expires_at; when it dies,
-- another takes over after it.
CREATE TABLE taskgate.leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);
