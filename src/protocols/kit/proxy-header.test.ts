import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { parseProxyHeader, V2_MAX_PAYLOAD } from './proxy-header.ts'

const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex')
const v2 = (command: number, family: number, addresses: Buffer, extra = Buffer.alloc(0)) => {
  const length = Buffer.alloc(2)
  length.writeUInt16BE(addresses.length + extra.length)
  return Buffer.concat([SIG, Buffer.from([0x20 | command, family]), length, addresses, extra])
}
const ipv4 = Buffer.from([10, 1, 2, 3, 192, 168, 0, 1, 0x30, 0x39, 0x15, 0x38])

test('v1: TCP4, TCP6 and UNKNOWN, with the bytes after the line left alone', () => {
  const line = 'PROXY TCP4 10.1.2.3 192.168.0.1 12345 5432\r\n'
  assert.deepEqual(parseProxyHeader(Buffer.from(`${line}\u0000\u0000`)), {
    length: line.length,
    peer: { address: '10.1.2.3', port: 12345 },
  })
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::1 ::1 40000 22\r\n')), {
    length: 37,
    peer: { address: '2001:db8::1', port: 40000 },
  })
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), { length: 15, peer: undefined })
})

test('v1: partial lines need more; malformed and overlong lines are errors', () => {
  for (const partial of ['P', 'PROX', 'PROXY ', 'PROXY TCP4 10.1.2.3'])
    assert.deepEqual(parseProxyHeader(Buffer.from(partial)), { need: true }, partial)
  for (const bad of [
    'PROXY TCP4 10.1.2.300 1.2.3.4 1 2\r\n',
    'PROXY TCP4 ::1 1.2.3.4 1 2\r\n',
    'PROXY TCP4 1.2.3.4 1.2.3.4 99999 2\r\n',
    'PROXY TCP4 1.2.3.4 1.2.3.4 -1 2\r\n',
    'PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n',
    'PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n',
    `PROXY ${'x'.repeat(120)}`,
    'GET / HTTP/1.1\r\n',
    '\u0000\u0000\u0000\u0008\u0004\u00d2\u0016\u002f',
  ])
    assert.ok('error' in parseProxyHeader(Buffer.from(bad, 'latin1')), JSON.stringify(bad))
})

test('v2: PROXY over IPv4 and IPv6, LOCAL, TLVs skipped; partial headers need more', () => {
  const header = v2(1, 0x11, ipv4, Buffer.from([0x04, 0x00, 0x01, 0x00]))
  assert.deepEqual(parseProxyHeader(Buffer.concat([header, Buffer.from('rest')])), {
    length: header.length,
    peer: { address: '10.1.2.3', port: 12345 },
  })
  const six = Buffer.alloc(36)
  six.write('20010db8000000000000000000000001', 0, 'hex')
  six.writeUInt16BE(40000, 32)
  assert.deepEqual(parseProxyHeader(v2(1, 0x21, six)), {
    length: 52,
    peer: { address: '2001:db8::1', port: 40000 },
  })
  const mapped = Buffer.alloc(36)
  mapped.write('00000000000000000000ffff0a010203', 0, 'hex')
  assert.equal(
    (parseProxyHeader(v2(1, 0x21, mapped)) as { peer: { address: string } }).peer.address,
    '::ffff:10.1.2.3',
  )
  assert.deepEqual(parseProxyHeader(v2(0, 0x00, Buffer.alloc(0))), { length: 16, peer: undefined })
  for (let cut = 1; cut < header.length; cut++)
    assert.deepEqual(parseProxyHeader(header.subarray(0, cut)), { need: true }, `cut at ${cut}`)
})

test('v2: wrong version, command, family, short addresses or an oversized payload are errors', () => {
  const wrongVersion = v2(1, 0x11, ipv4)
  wrongVersion[12] = 0x11
  assert.ok('error' in parseProxyHeader(wrongVersion))
  assert.ok('error' in parseProxyHeader(v2(2, 0x11, ipv4)))
  assert.ok('error' in parseProxyHeader(v2(1, 0x31, Buffer.alloc(216))))
  assert.ok('error' in parseProxyHeader(v2(1, 0x11, ipv4.subarray(0, 8))))
  assert.ok('error' in parseProxyHeader(v2(1, 0x11, ipv4, Buffer.alloc(V2_MAX_PAYLOAD))))
})

test('random bytes never throw', () => {
  for (let i = 0; i < 5000; i++) {
    const bytes = randomBytes(i % 64)
    if (i % 3 === 0) SIG.copy(bytes, 0, 0, Math.min(12, bytes.length))
    if (i % 3 === 1) bytes.write('PROXY ', 0, 'latin1')
    parseProxyHeader(bytes)
  }
})
