// SHA-3 / SHAKE sponge (FIPS 202 §4, FIPS 202 §6) over Keccak-f[1600], with an incremental absorb/squeeze API.
// Public lengths only; the data may be secret but never selects a branch or an address.
import { keccakF1600 } from "./keccak-round";
import { BASE, S_KECCAK } from "./layout";

/** Rates in bytes (FIPS 202 §6): SHAKE128 168, SHA3-256/SHAKE256 136, SHA3-512 72. */
export const RATE_SHAKE128: i32 = 168;
export const RATE_256: i32 = 136;
export const RATE_SHA3_512: i32 = 72;
/** Domain-separation + first pad bit: SHA3-x "01"+pad → 0x06, SHAKE "1111"+pad → 0x1f. */
export const DS_SHA3: i32 = 0x06;
export const DS_SHAKE: i32 = 0x1f;

let spongePos: i32 = 0;
let spongeRate: i32 = 0;

/** Start a new sponge with the given rate (state zeroed). */
export function spongeInit(rate: i32): void {
  memory.fill(BASE + S_KECCAK, 0, 200);
  spongePos = 0;
  spongeRate = rate;
}

/** Continue a sponge whose state (at S_KECCAK) was produced elsewhere, at a block boundary. */
export function spongeResume(rate: i32): void {
  spongePos = 0;
  spongeRate = rate;
}

/** Absorb len bytes at p (XOR into the state; 8 bytes at a time when lane-aligned). */
export function spongeAbsorb(p: usize, len: i32): void {
  const st = BASE + S_KECCAK;
  let pos = spongePos;
  const rate = spongeRate;
  let i = 0;
  while (i < len) {
    if ((pos & 7) == 0 && len - i >= 8) {
      store<u64>(st + pos, load<u64>(st + pos) ^ load<u64>(p + i));
      pos += 8; i += 8;
    } else {
      store<u8>(st + pos, load<u8>(st + pos) ^ load<u8>(p + i));
      pos++; i++;
    }
    if (pos == rate) { keccakF1600(st); pos = 0; }
  }
  spongePos = pos;
}

/** Pad (FIPS 202 §5.1 pad10*1 with the domain bits) and permute; squeezing starts at byte 0. */
export function spongeFinish(ds: i32): void {
  const st = BASE + S_KECCAK;
  store<u8>(st + spongePos, load<u8>(st + spongePos) ^ <u8>ds);
  store<u8>(st + spongeRate - 1, load<u8>(st + spongeRate - 1) ^ 0x80);
  keccakF1600(st);
  spongePos = 0;
}

/** Squeeze len bytes to out. */
export function spongeSqueeze(out: usize, len: i32): void {
  const st = BASE + S_KECCAK;
  let pos = spongePos;
  for (let i = 0; i < len; i++) {
    if (pos == spongeRate) { keccakF1600(st); pos = 0; }
    store<u8>(out + i, load<u8>(st + pos));
    pos++;
  }
  spongePos = pos;
}

/** One-shot hash: rate/ds select SHA3-256 (136, 0x06), SHA3-512 (72, 0x06) or SHAKE256 (136, 0x1f). */
export function hashOnce(rate: i32, ds: i32, p: usize, len: i32, out: usize, outLen: i32): void {
  spongeInit(rate);
  spongeAbsorb(p, len);
  spongeFinish(ds);
  spongeSqueeze(out, outLen);
}
