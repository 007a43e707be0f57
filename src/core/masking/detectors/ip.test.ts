import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NO_CONTEXT } from './detector.ts'
import { ip } from './ip.ts'

test('IPv4 and IPv6 addresses', () => {
  for (const value of [
    '10.0.0.1',
    '192.168.1.254',
    '255.255.255.255',
    '2001:db8::1',
    '::1',
    'fe80::1ff:fe23:4567:890a',
    '2001:0db8:0000:0000:0000:ff00:0042:8329',
    '::ffff:192.0.2.128',
  ])
    assert.ok(ip.test(value, NO_CONTEXT), value)
  const text = 'from 203.0.113.7, via [2001:db8::2]:443.'
  assert.deepEqual(
    ip.find(text, NO_CONTEXT).map((s) => text.slice(s.start, s.end)),
    ['203.0.113.7', '2001:db8::2'],
  )
})

test('near-misses are left alone', () => {
  for (const value of [
    '999.1.1.1',
    '1.2.3',
    '01.2.3.4',
    '10:30:00',
    '00:1a:2b:3c:4d:5e',
    '1.3.6.1.4.1.311',
    'version 1.2.3.4',
    'v1.2.3.4',
    'std::vector',
    '::',
    '1:2:3:4:5:6:7:8:9',
    '2001:db8::1::2',
    'cafe',
  ])
    assert.deepEqual(ip.find(value, NO_CONTEXT), [], value)
})

test('a version-labelled quad is an address in an address column', () => {
  assert.equal(ip.find('version 1.2.3.4', { column: 'client_ip', hinted: true, idLike: false }).length, 1)
})
