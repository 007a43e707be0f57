// Issue 11 (item 14): the README said Node.js ≥ 20 while package.json `engines` said >=22.12. The README now
// names the Node that runs taskgate, and it must be the one `engines` names.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')

test("the README's Node requirement is package.json's engines.node", () => {
  const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node
  const stated = /taskgate itself runs on Node\.js ≥ ([\d.]+)/.exec(read('README.md').replace(/\s+/g, ' '))
  assert.ok(stated, 'README states the Node that runs taskgate')
  assert.equal(engines, `>=${stated[1]}`)
})
