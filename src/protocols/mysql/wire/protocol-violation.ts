/** Bytes that break the MySQL wire protocol (bad sequence id, truncated field, oversized packet). The
 * connection that sent them is answered with an ERR packet (ER_NET_PACKETS_OUT_OF_ORDER / ER_MALFORMED_PACKET)
 * and closed; nothing else is affected. Every codec in this folder throws only this. */
export class ProtocolViolation extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProtocolViolation'
  }
}
