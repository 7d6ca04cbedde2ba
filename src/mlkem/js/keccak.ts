// SHA-3 / SHAKE sponge (FIPS 202 §4, FIPS 202 §6) over Keccak-f[1600], with an incremental absorb/squeeze API.
// Mirrors ../assembly/keccak.ts. The state is one module-level Int32Array(50) (lane i = words 2i, 2i+1,
// little-endian bytes); bytes are XORed in and read out a 32-bit word at a time where aligned.
// Public lengths only; the data may be secret but never selects a branch or an address.
import { keccakF1600 } from './keccak-f1600.ts'
import { scratchI32 } from './scratch.ts'

/** Rates in bytes (FIPS 202 §6): SHAKE128 168, SHA3-256/SHAKE256 136, SHA3-512 72. */
export const RATE_SHAKE128 = 168
export const RATE_256 = 136
export const RATE_SHA3_512 = 72
/** Domain-separation + first pad bit: SHA3-x "01"+pad → 0x06, SHAKE "1111"+pad → 0x1f. */
export const DS_SHA3 = 0x06
export const DS_SHAKE = 0x1f

/** The Keccak state (S_KECCAK in the wasm layout), in the scratch arena; wiped by the ops in internal.ts. */
export const ST = scratchI32(50)
/** 50 zero words: ST.set(ZERO_STATE) clears the state natively (fill is an interpreted loop in StarlingMonkey). */
export const ZERO_STATE = new Int32Array(50)
let spongePos = 0
let spongeRate = 0

/** Start a new sponge with the given rate (state zeroed). */
export function spongeInit(rate: number): void {
  ST.set(ZERO_STATE)
  spongePos = 0
  spongeRate = rate
}

/** Absorb len bytes of p from off (XOR into the state; 4 bytes at a time when word-aligned). */
export function spongeAbsorb(p: Uint8Array, off: number, len: number): void {
  const st = ST
  const rate = spongeRate
  let pos = spongePos
  let i = off
  const end = off + len
  while (i < end) {
    if ((pos & 3) === 0 && end - i >= 4) {
      st[pos >> 2]! ^= p[i]! | (p[i + 1]! << 8) | (p[i + 2]! << 16) | (p[i + 3]! << 24)
      pos += 4
      i += 4
    } else {
      st[pos >> 2]! ^= p[i]! << ((pos & 3) << 3)
      pos++
      i++
    }
    if (pos === rate) {
      keccakF1600(st)
      pos = 0
    }
  }
  spongePos = pos
}

/** Pad (FIPS 202 §5.1 pad10*1 with the domain bits) and permute; squeezing starts at byte 0. */
export function spongeFinish(ds: number): void {
  const st = ST
  st[spongePos >> 2]! ^= ds << ((spongePos & 3) << 3)
  st[(spongeRate - 1) >> 2]! ^= 0x80 << (((spongeRate - 1) & 3) << 3)
  keccakF1600(st)
  spongePos = 0
}

/** Squeeze len bytes to out at off. */
export function spongeSqueeze(out: Uint8Array, off: number, len: number): void {
  const st = ST
  let pos = spongePos
  for (let i = 0; i < len; i++) {
    if (pos === spongeRate) {
      keccakF1600(st)
      pos = 0
    }
    out[off + i] = st[pos >> 2]! >>> ((pos & 3) << 3)
    pos++
  }
  spongePos = pos
}

/** One-shot hash: rate/ds select SHA3-256 (136, 0x06), SHA3-512 (72, 0x06) or SHAKE256 (136, 0x1f). */
export function hashOnce(
  rate: number,
  ds: number,
  p: Uint8Array,
  off: number,
  len: number,
  out: Uint8Array,
  outOff: number,
  outLen: number,
): void {
  spongeInit(rate)
  spongeAbsorb(p, off, len)
  spongeFinish(ds)
  spongeSqueeze(out, outOff, outLen)
}
