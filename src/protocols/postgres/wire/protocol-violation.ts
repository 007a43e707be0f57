/** Bytes that break the wire protocol (bad length, unknown type, truncated field). The connection that
 * sent them is answered with SQLSTATE 08P01 and closed; nothing else is affected. */
export class ProtocolViolation extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProtocolViolation'
  }
}
