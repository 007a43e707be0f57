import assert from 'node:assert/strict'
import { test } from 'node:test'
import { rowsFromExplain } from './row-estimator.ts'

// EXPLAIN FORMAT=JSON documents as MariaDB 10.11 wrote them (t: 1000 rows, u: 50 rows).
const PLANS: [string, unknown, number][] = [
  [
    'SELECT * FROM t',
    {
      query_block: { select_id: 1, nested_loop: [{ table: { table_name: 't', rows: 1000, filtered: 100 } }] },
    },
    1000,
  ],
  [
    'DELETE FROM t WHERE id < 10',
    { query_block: { select_id: 1, table: { delete: 1, table_name: 't', access_type: 'range', rows: 9 } } },
    9,
  ],
  [
    'SELECT * FROM t JOIN u ON u.tid = t.v',
    {
      query_block: {
        select_id: 1,
        nested_loop: [
          { table: { table_name: 'u', rows: 50, filtered: 100 } },
          { 'block-nl-join': { table: { table_name: 't', rows: 1000, filtered: 100 }, join_type: 'BNL' } },
        ],
      },
    },
    50_000,
  ],
  [
    'SELECT * FROM t WHERE v > 900',
    {
      query_block: { select_id: 1, nested_loop: [{ table: { table_name: 't', rows: 1000, filtered: 10 } }] },
    },
    100,
  ],
  [
    'SELECT * FROM t UNION ALL SELECT * FROM t',
    {
      query_block: {
        union_result: {
          query_specifications: [
            {
              query_block: {
                select_id: 1,
                nested_loop: [{ table: { table_name: 't', rows: 1000, filtered: 100 } }],
              },
            },
            {
              query_block: {
                select_id: 2,
                nested_loop: [{ table: { table_name: 't', rows: 1000, filtered: 100 } }],
              },
            },
          ],
        },
      },
    },
    2000,
  ],
]

test('the estimate follows the plan: joins multiply, unions add, filtered counts', () => {
  for (const [sql, plan, rows] of PLANS) assert.equal(rowsFromExplain(plan), rows, sql)
  assert.equal(rowsFromExplain({}), undefined)
  const deletingAll = { query_block: { select_id: 1, table: { message: 'Deleting all rows' } } }
  assert.equal(rowsFromExplain(deletingAll), undefined)
  assert.equal(rowsFromExplain('nonsense'), undefined)
})
