-- Deleted service accounts keep their row so the name is never reused; held statements keep the row
-- estimate an approver sees.
ALTER TABLE taskgate.service_accounts ADD COLUMN deleted_at timestamptz;
ALTER TABLE taskgate.approvals ADD COLUMN estimated_rows bigint;
