// Which URLs the SDK and CLI talk to (v2-spec §7): `https:` anywhere; `http:` only to a loopback host
// (127.0.0.0/8, ::1, localhost), where there is no network for a man in the middle to sit on. The
// check runs on the URL as the WHATWG parser normalises it (so `127.1` and `0x7f.0.0.1` are both
// 127.0.0.1, `[0:0::1]` is `[::1]`), before any request is made.
import { PqEdgeError } from './errors.ts'

/** Whether a URL's `hostname` (as `new URL` gives it) names the local machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase()
  if (host === 'localhost' || host === '[::1]') return true
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host)
  return v4 !== null && v4[1] === '127' && v4.slice(2).every((part) => Number(part) <= 255)
}

/**
 * Parses and checks a base URL: `invalid_argument` when it is not an http(s) URL or carries
 * credentials; `insecure_transport` when it is `http:` to anything but loopback.
 */
export function checkBaseUrl(baseUrl: unknown): URL {
  let base: URL
  try {
    base = new URL(String(baseUrl))
  } catch {
    throw new PqEdgeError('invalid_argument', `not a URL: ${JSON.stringify(String(baseUrl))}`)
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:')
    throw new PqEdgeError('invalid_argument', `the base URL must be https: (or http: to loopback), not ${base.protocol}`)
  if (base.username || base.password) throw new PqEdgeError('invalid_argument', 'the base URL must not contain credentials')
  if (base.search || base.hash) throw new PqEdgeError('invalid_argument', 'the base URL must not have a query or fragment')
  if (base.protocol === 'http:' && !isLoopbackHost(base.hostname))
    throw new PqEdgeError(
      'insecure_transport',
      `refusing plain http: to ${base.host}: use https:, or http: only to loopback (127.0.0.0/8, ::1, localhost)`,
    )
  return base
}
