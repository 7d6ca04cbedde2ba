// What the Node runner (test/fastly/engine/run.ts, via load-vectors.ts) hands the engine-side
// suite (suite.ts), and what the suite reports back. Types only: shared by both sides.

export type Hex = string
export type KemSet = 'ml_kem512' | 'ml_kem768' | 'ml_kem1024'

/**
 * One ML-KEM check, normalised from ACVP / Wycheproof / CCTV by load-vectors.ts:
 *   keygen       in {seed}      -> out {ek, dk}   KeyGen_internal(d, z), seed = d ‖ z
 *   encaps       in {ek, m}     -> out {c, K}     Encaps_internal(ek, m), §7.2 check included
 *   decaps       in {c, dk}     -> out {K}        Decaps (§7.3 checks included)
 *   keygenDecaps in {seed, c}   -> out {ek, K}    KeyGen from the seed, then Decaps of c with that dk
 *   ekCheck      in {ek}        -> out {pass}     §7.2 modulus check (encapsulation succeeds or throws)
 *   dkCheck      in {dk}        -> out {pass}     §7.3 hash check (decapsulation succeeds or throws)
 * `reject` (instead of `want`): the operation must throw, with a message containing `reject` when non-empty.
 */
export interface MlKemCase {
  id: string
  set: KemSet
  op: 'keygen' | 'encaps' | 'decaps' | 'keygenDecaps' | 'ekCheck' | 'dkCheck'
  in: Record<string, Hex>
  want?: Record<string, Hex | boolean>
  reject?: string
}

export interface MlKemSuite {
  /** e.g. "ACVP v1.1.0.40 keyGen ML-KEM-768"; one report entry each. */
  name: string
  /** What was taken from the source file: "all 25", "every 5th: 5 of 25", … */
  selection: string
  cases: MlKemCase[]
}

export interface XWingVector {
  seed: Hex
  sk: Hex
  pk: Hex
  eseed: Hex
  ct: Hex
  ss: Hex
}

export interface HpkeVector {
  mode: number
  kem_id: number
  kdf_id: number
  aead_id: number
  info: Hex
  ikmE: Hex
  ikmR: Hex
  skRm: Hex
  pkRm: Hex
  enc: Hex
  shared_secret: Hex
  key: Hex
  base_nonce: Hex
  exporter_secret: Hex
  encryptions: { aad: Hex; ct: Hex; nonce: Hex; pt: Hex }[]
  exports: { exporter_context: Hex; L: number; exported_value: Hex }[]
}

/** Sizes of the establishment timing: batches × perBatch requests per mode (Date.now has 1 ms steps). */
export interface TimingPlan {
  fastly: { batches: number; perBatch: number; coldRuns: number }
  noble: { batches: number; perBatch: number; coldRuns: number }
}

/** Deliberate failures, to prove each part of the suite can fail the build. */
export type Corruption = 'mlkem' | 'mlkem-reject' | 'xwing' | 'hpke' | 'establishment'
export const CORRUPTIONS: readonly Corruption[] = ['mlkem', 'mlkem-reject', 'xwing', 'hpke', 'establishment']

export type SuitePart = 'hmac' | 'xwing' | 'hpke' | 'mlkem' | 'establishment'
export const SUITE_PARTS: readonly SuitePart[] = ['hmac', 'xwing', 'hpke', 'mlkem', 'establishment']

export interface SuiteInput {
  parts: SuitePart[]
  mlkem: MlKemSuite[]
  xwing: XWingVector[]
  hpke: HpkeVector[]
  timing: TimingPlan
  /** Set when a deliberate corruption was applied to the inputs ('establishment': a wrong client secret). */
  corrupt: Corruption | null
}

export interface SuiteCount {
  name: string
  checked: number
  failed: number
  selection?: string
  /** Engine wall time for the suite, ms. */
  ms?: number
}

/** Per-request cost in ms, as the clock measures it in the engine. */
export interface ModeTiming {
  /** Median over fresh apps, one request each: a new Fastly sandbox per request (the default). */
  coldMs: number
  /** Warm (context in place: a reusable sandbox): median of batch means, and the least batch mean. */
  medianMs: number
  minMs: number
  requests: number
}

export interface CompositionTiming {
  composition: string
  backends: Record<string, string>
  /** Fresh app, first request (GET /v2/keys): backend selection + service context (key derivation). */
  coldContextMs: number
  /** POST /v2/sessions per mode, cold and warm. */
  modes: Record<'hybrid' | 'pq' | 'classical', ModeTiming>
  /** GET /v2/config/{name} in a hybrid session (MAC, revocation, vault open, HPKE seal to pkE), cold and warm. */
  read: ModeTiming
}

/**
 * One fixed CPU-bound workload (ML-KEM-768 encaps + decaps, X25519) timed in the same engine build: at
 * build time, where js-compute runs the engine on wasmtime as Fastly does, and in the request the harness
 * serves on Node's V8; each side the fastest of several runs (load on the machine only adds time). Their
 * ratio turns the request timings into wasmtime estimates.
 */
export interface Calibration {
  buildTimeMs: number
  harnessMs: number
  /** buildTimeMs / harnessMs. */
  wasmtimeOverHarness: number
}

export interface SuiteReport {
  engine: string
  clock: string
  backends: Record<string, string>
  suites: SuiteCount[]
  establishment: {
    fastly: CompositionTiming
    noble: CompositionTiming
    nobleOverFastly: Record<string, number>
    calibration: Calibration
  } | null
  /** Wall time of each part inside the engine, ms; `input` is parsing the injected vectors, `total` the whole top level. */
  partMs: Record<string, number>
  ok: boolean
}

/** The HMAC GC-pressure check (conformance.ts checkHmacUnderGcPressure): its report name and size. */
/** The selected HMAC and the interpreter fallback (HMAC over the digest), each over `cases` keys. */
export const HMAC_GC_CHECK = { name: 'HMAC-SHA256 (2 impls) under GC pressure vs noble', cases: 100, implementations: 2 }
/** Always run (it is quick): wipe() of src/crypto/bytes.ts, which exists for this engine (fill(0) is slow here). */
export const WIPE_CHECK_NAME = 'wipe(): views zeroed, neighbours kept'
/** A request the test build answers by running the establishment timing (suite.ts). */
export const ESTABLISHMENT_PATH = '/__engine-suite/establishment'
/** A request that runs the calibration workload CALIBRATION_REPEATS times and answers 204 (run.ts times it
 *  between the artifact rounds, on the clock they use). */
export const CALIBRATION_PATH = '/__engine-suite/calibration'
export const CALIBRATION_REPEATS = 2
