-- A grant requested from a plan keeps the plan's statements (JSON: text and shape of each), shown to the
-- approver and compared with what its sessions ran. NULL for grants requested with a scope.
ALTER TABLE grants ADD COLUMN plan TEXT;
