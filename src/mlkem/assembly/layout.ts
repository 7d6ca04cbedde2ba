// Static linear-memory layout (no allocator: the module is built with --runtime stub).
// One contiguous region holds the I/O buffers (IO_*) followed by scratch (S_*). Sizes are for the
// largest parameter set, ML-KEM-1024 (k = 4). wipe()/wipeScratch() zero these regions.

/** Bytes of one polynomial: 256 coefficients as i16. */
export const POLY_BYTES: i32 = 512;
/** Bytes of one polynomial vector of the maximum rank k = 4. */
export const VEC_BYTES: i32 = 4 * POLY_BYTES;

// ---- I/O region: the JS wrapper writes inputs here and copies outputs out, then calls wipe().
export const IO_SEED: i32 = 0;           // d ‖ z (64)
export const IO_MSG: i32 = 64;           // m (32)
export const IO_SS: i32 = 96;            // shared secret K (32)
export const IO_EK: i32 = 128;           // encapsulation key, ≤ 384·4 + 32 = 1568
export const IO_DK: i32 = 1696;          // decapsulation key, ≤ 768·4 + 96 = 3168
export const IO_CT: i32 = 4864;          // ciphertext, ≤ 32·(11·4 + 5) = 1568
export const IO_HEK: i32 = 6432;         // H(ek) of an imported encapsulation key (32)
export const IO_MAT: i32 = 6464;         // Âᵀ of an imported key (encapsulation or decapsulation), k² ≤ 16 polynomials (8192)
export const IO_END: i32 = 14656;

// ---- Scratch region (all of it may hold secrets; wiped before every exported op returns).
export const S_KECCAK: i32 = 14656;      // Keccak state: 200 bytes, or 2 interleaved states (400) for SIMD
export const S_GIN: i32 = 15056;         // G / H input: d‖k or m‖h (64)
export const S_GOUT: i32 = 15120;        // G output: ρ‖σ or K‖r (64)
export const S_XOFIN: i32 = 15184;       // ρ ‖ j ‖ i (34, padded to 40)
export const S_PRFIN: i32 = 15224;       // σ ‖ N (33, padded to 40)
export const S_KBAR: i32 = 15264;        // K̄ = J(z‖c) (32)
export const S_PRFOUT: i32 = 15296;      // PRF output, ≤ 64·η1 = 192
export const S_CT2: i32 = 15488;         // re-encryption c' in decapsulation (1568)
export const S_ACC: i32 = 17056;         // i32[256] accumulator for MultiplyNTTs sums (1024)
export const S_ACC2: i32 = 18080;        // second accumulator (SIMD paired sampling) (1024)
export const S_A: i32 = 19104;           // one matrix entry Â[i][j] (512)
export const S_A2: i32 = 19616;          // second matrix entry (SIMD paired sampling) (512)
export const S_VS: i32 = 20128;          // ŝ or ŷ (vector)
export const S_VE: i32 = 22176;          // ê or e1 (vector)
export const S_VT: i32 = 24224;          // t̂ (vector)
export const S_VU: i32 = 26272;          // u / û (vector)
export const S_PV: i32 = 28320;          // v / e2 / w (poly)
export const S_PM: i32 = 28832;          // μ or NTT^-1 accumulator (poly)
export const S_XBUF: i32 = 29344;        // two de-interleaved SHAKE128 rate blocks (2·168, padded to 352)
export const S_BG: i32 = 29696;          // γ-premultiplied copy of a vector (SIMD MultiplyNTTs) (2048)
export const S_MAT: i32 = 31744;         // the whole matrix Â, k² ≤ 16 polynomials (SIMD path; both builds: an imported key's Âᵀ) (8192)
export const S_PRFIN2: i32 = 39936;      // second PRF input σ ‖ N (2-way PRF, SIMD path) (40)
export const S_PRFOUT2: i32 = 39976;     // second PRF output, ≤ 192 (2-way PRF, SIMD path)
export const S_END: i32 = 40168;

/** Address of polynomial i of the vector at v. */
// @ts-ignore: decorator
@inline export function vecPoly(v: usize, i: i32): usize { return v + (<usize>i << 9); }

/** Base address of the region (statically reserved; zero-initialised). */
export const BASE: usize = memory.data(S_END, 64);
