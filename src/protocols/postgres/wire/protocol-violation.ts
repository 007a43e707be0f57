/** Bytes that break the wire protocol (bad length, unknown type, truncated field). The connection that
 * sent them is answered with SQLSTATE 08P01 and closed; nothing else is affected. A `silent` one is closed
 * without an answer, as PostgreSQL does where it reports the fault only to its log (COMMERROR): a startup
 * packet of impossible length, a connection gone during startup (postmaster's ProcessStartupPacket). */
export class ProtocolViolation extends Error {
  readonly silent: boolean

  constructor(message: string, options: { silent?: boolean } = {}) {
    super(message)
    this.name = 'ProtocolViolation'
    this.silent = options.silent ?? false
  }
}
