// Byte helpers shared by the crypto layers (X-Wing, HPKE, the protocol).

/** a ‖ b ‖ …: a fresh array the caller owns. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
