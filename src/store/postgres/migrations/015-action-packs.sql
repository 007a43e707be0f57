-- Number 15 on both stores (test/regressions/migrations-numbered-once.test.ts). The embedded store packs a
-- batch's final action records of one session into one row (its 015); this store keeps a row per record,
-- grouped-committed already, and ignores the recorder's `final` mark: nothing changes here.
SELECT 1;
