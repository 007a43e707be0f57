-- Credentials carry only per-kind verifiers: the SCRAM-SHA-256 verifier moves from its own column into
-- verifiers.postgres.scramSha256, in PostgreSQL's rolpassword form (SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>)
-- that src/kinds/postgres.ts writes for new credentials, so credentials issued before keep working.
UPDATE taskgate.credentials
SET verifiers = jsonb_set(
  verifiers,
  '{postgres}',
  COALESCE(verifiers -> 'postgres', '{}'::jsonb) || jsonb_build_object(
    'scramSha256',
    'SCRAM-SHA-256$' || (scram ->> 'iterations') || ':' || (scram ->> 'salt') || '$' || (scram ->> 'storedKey') || ':' || (scram ->> 'serverKey')
  )
)
WHERE NOT (verifiers ? 'postgres');
ALTER TABLE taskgate.credentials DROP COLUMN scram;
