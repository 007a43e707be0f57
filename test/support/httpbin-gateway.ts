// A real httpbin and a gateway in front of it for one test file: both start in the file's `before` and stop
// in its `after`. The returned gateway can be named at the top of the file and used by its tests; it answers
// once `before` has run.
import { after, before } from 'node:test'
import { type HttpGateway, startHttpGateway } from './start-http-gateway.ts'
import { type Httpbin, startHttpbin } from './start-httpbin.ts'

export function httpbinGatewayForFile(
  options: Omit<Parameters<typeof startHttpGateway>[0], 'upstream'>,
): HttpGateway {
  let upstream: Httpbin | undefined
  let gateway: HttpGateway | undefined
  before(async () => {
    upstream = await startHttpbin()
    gateway = await startHttpGateway({ ...options, upstream: upstream.url })
  })
  after(async () => {
    await gateway?.[Symbol.asyncDispose]()
    await upstream?.[Symbol.asyncDispose]()
  })
  return new Proxy({} as HttpGateway, {
    get(_, key) {
      if (!gateway) throw new Error('the httpbin gateway is used before its before() hook ran')
      const value = Reflect.get(gateway, key)
      return typeof value === 'function' ? value.bind(gateway) : value
    },
  })
}
