/** Bytes that break the MySQL wire protocol (bad sequence id, truncated field, oversized packet). The
 * connection that sent them is answered with an ERR packet (ER_NET_PACKETS_OUT_OF_ORDER / ER_MALFORMED_PACKET)
 * and closed; nothing else is affected. Every codec in this folder throws only this. */
export class ProtocolViolation extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProtocolViolation'
  }
}

/** A packet longer than the reader's bound (max_allowed_packet): answered with ER_NET_PACKET_TOO_LARGE. */
export class PacketTooLarge extends ProtocolViolation {
  readonly maxPayloadBytes: number
  constructor(maxPayloadBytes: number) {
    super(`packet of more than ${maxPayloadBytes} bytes (max_allowed_packet of the gateway)`)
    this.name = 'PacketTooLarge'
    this.maxPayloadBytes = maxPayloadBytes
  }
}
