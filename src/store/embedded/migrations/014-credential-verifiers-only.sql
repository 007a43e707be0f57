-- Credentials carry only per-kind verifiers: the SCRAM-SHA-256 verifier moves from its own column into
-- verifiers.postgres.scramSha256, in PostgreSQL's rolpassword form (SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>)
-- that src/kinds/postgres.ts writes for new credentials, so credentials issued before keep working.
UPDATE credentials
SET verifiers = json_set(
  verifiers,
  '$.postgres',
  json_object(
    'scramSha256',
    'SCRAM-SHA-256$' || json_extract(scram, '$.iterations') || ':' || json_extract(scram, '$.salt') || '$' || json_extract(scram, '$.storedKey') || ':' || json_extract(scram, '$.serverKey')
  )
)
WHERE json_type(verifiers, '$.postgres') IS NULL;
ALTER TABLE credentials DROP COLUMN scram;
