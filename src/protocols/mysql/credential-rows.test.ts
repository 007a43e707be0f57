import assert from 'node:assert/strict'
import { test } from 'node:test'
import { redactCredentialRow, redactCredentialText } from './credential-rows.ts'
import { encodeTextRow, parseTextRow } from './wire/result-rows.ts'

test('stored passwords in SHOW GRANTS / SHOW CREATE USER rows are replaced, the rest kept', () => {
  const cases = [
    "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'",
    "CREATE USER `app`@`%` IDENTIFIED VIA mysql_native_password USING '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19' OR unix_socket",
    "CREATE USER 'app'@'%' IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$x\\'y''z'",
  ]
  for (const text of cases) {
    const redacted = redactCredentialText(text)
    assert.doesNotMatch(redacted, /2470C0C0|\$A\$005/, redacted)
    assert.match(redacted, /'<taskgate: redacted>'/)
    assert.ok(redacted.startsWith(text.slice(0, 20)))
  }
  assert.equal(
    redactCredentialText('GRANT SELECT ON `db`.* TO `app`@`%`'),
    'GRANT SELECT ON `db`.* TO `app`@`%`',
  )
  const column = { type: 253 } as Parameters<typeof redactCredentialRow>[2][number]
  const row = encodeTextRow([Buffer.from(cases[0]!)])
  const [cell] = parseTextRow(redactCredentialRow(row, false, [column]), 1)
  assert.match(cell!.toString(), /IDENTIFIED BY PASSWORD '<taskgate: redacted>'$/)
  const plain = encodeTextRow([Buffer.from('GRANT SELECT ON *.* TO x')])
  assert.equal(redactCredentialRow(plain, false, [column]), plain)
})
