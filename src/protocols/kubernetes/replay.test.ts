import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ResourceConfig } from '../../config/schema.ts'
import { classifyRequest } from './classify.ts'
import { kubernetesReclassifier } from './replay.ts'

const resource = {} as ResourceConfig
const again = (text: string, kind: string) => kubernetesReclassifier(text, resource, { kind })

test('a recorded request line classifies again as the engine classified it', () => {
  for (const [method, url] of [
    ['GET', '/api/v1/namespaces/shop/pods'],
    ['DELETE', '/api/v1/namespaces/shop'],
    ['GET', '/api/v1/namespaces/shop/secrets/db?watch=1'],
    ['GET', '/version'],
    ['POST', '/api/v1/namespaces/shop/pods/web-0/exec?command=rm&command=-rf&command=%2F&stdout=true'],
    ['GET', '/api/v1/namespaces/a/pods;x'],
    ['GET', '/api/v1/namespaces/a/%zz'],
  ] as const) {
    const { action } = classifyRequest(method, url)
    assert.deepEqual(again(action.text, action.kind), action, action.text)
  }
})

test('an exec keeps the command traits its recorded line (with ` -- command`) carried', () => {
  const { action } = classifyRequest(
    'POST',
    '/api/v1/namespaces/a/pods/p/exec?command=mkfs.ext4&command=%2Fdev%2Fsdz',
  )
  assert.match(action.text, / -- mkfs\.ext4 \/dev\/sdz$/)
  const replayed = again(action.text, action.kind)
  assert.deepEqual(replayed?.traits, action.traits)
  assert.ok(action.traits.length > 1, 'the exec command carries guardrail traits')
})

test('a filtered list needs nothing as a whole; stream pieces are not replayed; a cut line is unclassified', () => {
  const { action } = classifyRequest('GET', '/api/v1/pods')
  const filtered = again(action.text, `${action.kind} (filtered)`)
  assert.equal(filtered?.kind, 'list pods (filtered)')
  assert.deepEqual(filtered?.needs, [])
  assert.deepEqual(filtered?.traits, action.traits)
  assert.equal(again('hello there', 'exec stdout'), undefined)
  assert.equal(again('exec a/p: 3 bytes from the client, 9 from the server', 'exec end'), undefined)
  const cut = classifyRequest('GET', `/api/v1/pods?labelSelector=${'a'.repeat(3000)}`).action
  assert.ok(cut.text.endsWith('…'))
  assert.match(again(cut.text, cut.kind)?.unclassified ?? '', /cut short/)
  assert.throws(() => again('garbage', 'get pods'), /no request line/)
})
