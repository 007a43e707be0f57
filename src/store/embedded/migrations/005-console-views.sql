-- Deleted service accounts keep their row so the name is never reused; held statements keep the row
-- estimate an approver sees.
ALTER TABLE service_accounts ADD COLUMN deleted_at INTEGER;
ALTER TABLE approvals ADD COLUMN estimated_rows INTEGER;
