import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bodyKind, bodyMethodOverrides, formFields, mayCarryMethodOverride, parseJsonOnce } from './bodies.ts'

test('a JSON body with a repeated key has two readings and is not read', () => {
  assert.deepEqual(parseJsonOnce('{"force":false,"a":{"b":1}}'), { force: false, a: { b: 1 } })
  assert.equal(parseJsonOnce('{"force":true,"force":false}'), undefined)
  assert.equal(parseJsonOnce('{"a":{"x":1,"x" : 2}}'), undefined)
  assert.equal(parseJsonOnce('[{"x":1},{"x":2}]') !== undefined, true, 'the same key in two objects is fine')
  assert.deepEqual(
    parseJsonOnce('{"s":"a\\":b","t":"x:"}'),
    { s: 'a":b', t: 'x:' },
    'colons and quotes in strings',
  )
  assert.equal(parseJsonOnce('{"a":'), undefined)
})

test('a body of the largest inspected size (1 MiB) with a long array or object is read, not a stack overflow', () => {
  const array = `[${Array(400_000).fill('0').join(',')}]`
  assert.equal((parseJsonOnce(array) as unknown[]).length, 400_000)
  const object = `{${Array.from({ length: 150_000 }, (_, i) => `"k${i}":0`).join(',')}}`
  assert.equal(Object.keys(parseJsonOnce(object) as object).length, 150_000)
})

test('form bodies are read as fields, repeated names as lists', () => {
  assert.deepEqual(
    { ...formFields('a=1&a=2&b=x%20y&force=true') },
    { a: ['1', '2'], b: 'x y', force: 'true' },
  )
  assert.equal(bodyKind('application/x-www-form-urlencoded; charset=utf-8'), 'form')
  assert.equal(bodyKind('application/vnd.api+json'), 'json')
  assert.equal(bodyKind('multipart/form-data; boundary=x'), undefined)
})

test('a POST body names its `_method` as the upstream reads it, or has no single reading', () => {
  const form = 'application/x-www-form-urlencoded'
  assert.deepEqual(bodyMethodOverrides(form, Buffer.from('a=1&%5Fmethod=PUT')), ['PUT'])
  assert.deepEqual(bodyMethodOverrides(undefined, Buffer.from('_method=DELETE')), ['DELETE'])
  assert.deepEqual(bodyMethodOverrides('application/json', Buffer.from('{"\\u005fmethod":"PUT"}')), ['PUT'])
  assert.deepEqual(bodyMethodOverrides('application/json', Buffer.from('{"a":{"_method":"PUT"}}')), [])
  assert.equal(
    bodyMethodOverrides('application/json', Buffer.from('{"_method":"A","_method":"B"}')),
    undefined,
  )
  assert.equal(
    bodyMethodOverrides('multipart/form-data; boundary=b', Buffer.from('name="_method"')),
    undefined,
  )
  assert.equal(mayCarryMethodOverride('PUT', form), false)
  assert.equal(mayCarryMethodOverride('POST', 'application/octet-stream'), false)
})

test('a form body of pairs without `=`, at 4 MiB (the inspection limit goes to 16), is read in linear time', () => {
  const body = 'a&'.repeat(2 * 1024 * 1024)
  const before = process.cpuUsage()
  const fields = formFields(body)
  const cpu = process.cpuUsage(before)
  assert.equal((fields.a as string[]).length, 2 * 1024 * 1024)
  // A catastrophe bound, not a speed claim. Copying the list with each value took 30 s of CPU for 128 KiB
  // (days for this body); Node's URLSearchParams on the body as sent looks for each pair's `=` to the end of
  // the body (2.7 s for 1 MiB, ~45 s for this one); reading it in linear time takes about a second.
  const seconds = (cpu.user + cpu.system) / 1e6
  assert.ok(seconds < 15, `${seconds.toFixed(1)} s of CPU for 4 MiB of one repeated name`)
})

test('form pairs are read as URLSearchParams reads them, `?`, `+`, escapes and empty pairs included', () => {
  const pairs = (text: string) => Object.entries(formFields(text)).filter(([name]) => !name.includes('_'))
  for (const text of ['?a', '??a', '?', '?=', 'a&&b=&=c&', '%C3%A9+x=%zz+1&a', '&?a=1', 'a=b=c&%3D=%26'])
    assert.deepEqual(
      pairs(text),
      Object.entries(
        [...new URLSearchParams(text)].reduce<Record<string, string | string[]>>((fields, [name, value]) => {
          const held = fields[name]
          fields[name] = held === undefined ? value : [held, value].flat()
          return fields
        }, {}),
      ).filter(([name]) => !name.includes('_')),
      text,
    )
})
