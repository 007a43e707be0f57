import assert from 'node:assert/strict'
import { test } from 'node:test'
import { at, id, makeAction, makeSession, type StoreContractOptions } from './fixtures.ts'

export function recordingCases({ open }: StoreContractOptions): void {
  // Final records (ActionRecord.final) may be stored in another shape (packed): pruned all the same.
  for (const final of [false, true])
    test(`recordings: prune by age and by size skips live and held sessions, and other resources${final ? ' (final records)' : ''}`, async () => {
      await using t = await open()
      const resourceId = id('db')
      const session = async (
        started: number,
        ended: number | undefined,
        texts: string[],
        resource = resourceId,
      ) => {
        const s = makeSession({ resourceId: resource, startedAt: at(started) })
        await t.store.sessions.insert(s)
        await t.store.sessions.appendActions(
          texts.map((text, i) => makeAction(s.id, i + 1, final ? { text, final } : { text })),
        )
        if (ended !== undefined) await t.store.sessions.end(s.id, at(ended), 'client closed')
        return s.id
      }
      const old = await session(1, 2, ['SELECT 1'])
      const oldHeld = await session(3, 4, ['SELECT 2'])
      const live = await session(5, undefined, ['SELECT 3'])
      const otherResource = await session(6, 7, ['SELECT 4'], id('db'))
      const young = await session(100, 101, ['x'.repeat(100)])
      const newest = await session(200, 201, ['y'.repeat(100)])
      assert.equal(
        await t.store.recordings.hold({
          sessionId: oldHeld,
          reason: 'case 7',
          heldBy: 'sa:admin',
          heldAt: at(5),
        }),
        true,
      )
      assert.equal(
        await t.store.recordings.hold({ sessionId: id('session'), reason: 'r', heldBy: 'x', heldAt: at(5) }),
        false,
      )
      assert.deepEqual(await t.store.recordings.getHold(oldHeld), {
        sessionId: oldHeld,
        reason: 'case 7',
        heldBy: 'sa:admin',
        heldAt: at(5),
      })

      const count = async (sessionId: string) => (await t.store.sessions.listActions(sessionId)).length
      assert.equal(await t.store.recordings.prune({ resourceIds: [resourceId], endedBefore: at(50) }), 1)
      assert.deepEqual(
        [
          await count(old),
          await count(oldHeld),
          await count(live),
          await count(otherResource),
          await count(young),
        ],
        [0, 1, 1, 1, 1],
      )
      // 150 bytes: the newest (100) fits, the next one (100 more) does not.
      assert.equal(await t.store.recordings.prune({ resourceIds: [resourceId], maxBytes: 150 }), 1)
      assert.deepEqual([await count(newest), await count(young), await count(oldHeld)], [1, 0, 1])
      assert.ok(await t.store.sessions.get(young), 'the session itself stays; only its recording went')

      assert.equal(await t.store.recordings.release(oldHeld), true)
      assert.equal(await t.store.recordings.release(oldHeld), false)
      assert.equal(await t.store.recordings.prune({ resourceIds: [resourceId], endedBefore: at(50) }), 1)
      assert.equal(await count(oldHeld), 0)
    })
}
