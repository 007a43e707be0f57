-- State that used to live in one gateway's memory and must be shared by every process of the gateway
-- (workers): console sessions (keyed by a hash of the cookie, their tokens encrypted with a key only the
-- cookie yields) and sign-ins in flight (OIDC state/PKCE, SAML relay state and request ids).
CREATE TABLE shared_state (
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (kind, key)
) STRICT;
CREATE INDEX shared_state_expiry ON shared_state (expires_at);
-- Work one process does for all (SIEM export per sink): the holder renews before expires_at; when it dies,
-- another takes over after it.
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
