// Microbenchmark for SQL classification: µs per classify on a cache hit, on a miss (full libpg-query parse)
// and for the cache key alone. Run: node bench/classify.ts [iterations]
import { classifySql, createClassifier, loadSqlParser } from '../src/protocols/postgres/classify.ts'
import { cacheKeyOf } from '../src/protocols/postgres/classify-key.ts'

const STATEMENTS: Record<string, (i: number) => string> = {
  'pgbench select': (i) => `SELECT abalance FROM pgbench_accounts WHERE aid = ${i};`,
  'pgbench update': (i) => `UPDATE pgbench_accounts SET abalance = abalance + ${i % 5000} WHERE aid = ${i};`,
  'orm select': (i) =>
    `/* traceparent='00-${i.toString(16).padStart(32, '0')}-01' */ SELECT "u"."id", "u"."email", "o"."total" FROM "public"."users" AS "u" INNER JOIN "orders" AS "o" ON "o"."user_id" = "u"."id" WHERE "u"."email" = 'user${i}@example.com' AND "o"."created_at" > '2024-01-01' ORDER BY "o"."created_at" DESC LIMIT 50`,
  'cte + subquery': (i) =>
    `WITH recent AS (SELECT * FROM billing.invoices WHERE issued_at > now() - interval '${i % 30} days') SELECT c.name, (SELECT count(*) FROM recent r WHERE r.customer_id = c.id) FROM customers c WHERE c.id = ${i}`,
  'set_config (by exact text)': (i) => `SELECT set_config('app.tenant', '${i % 100}', true)`,
}

const iterations = Number(process.argv[2] ?? 20_000)
await loadSqlParser()

function measure(run: (i: number) => unknown, n: number): number {
  for (let i = 0; i < Math.min(n, 2_000); i++) run(i) // warm up the JIT
  const started = process.hrtime.bigint()
  for (let i = 0; i < n; i++) run(i)
  return Number(process.hrtime.bigint() - started) / 1_000 / n
}

console.log(`node ${process.version}, ${iterations} iterations; µs per call`)
console.log('statement'.padEnd(28), 'key'.padStart(8), 'hit'.padStart(8), 'miss'.padStart(8))
for (const [name, make] of Object.entries(STATEMENTS)) {
  // Texts arrive decoded from a Buffer (flat strings), not as template-literal ropes.
  const texts = Array.from({ length: iterations }, (_, i) => Buffer.from(make(i + 1)).toString())
  const key = measure((i) => cacheKeyOf(texts[i]!), iterations)
  const classifier = createClassifier()
  const hit = measure((i) => classifier.classify(texts[i]!), iterations)
  const miss = measure((i) => classifySql(texts[i]!), Math.min(iterations, 5_000))
  console.log(
    name.padEnd(28),
    key.toFixed(2).padStart(8),
    hit.toFixed(2).padStart(8),
    miss.toFixed(2).padStart(8),
  )
}
