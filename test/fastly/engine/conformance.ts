// Engine side: the ML-KEM, X-Wing and HPKE conformance checks, run inside StarlingMonkey at build time
// over the vectors the Node script injected (load-vectors.ts). Each suite counts what it checked and
// collects mismatches; the caller throws on any, which fails the js-compute build.
import type { Backends, HmacSha256 } from '../../../src/crypto/types.ts'
import { createHpke } from '../../../src/hpke/hpke.ts'
import type { MlKemSuite as KemSuite, MlKem } from '../../../src/mlkem/api.ts'
import { createXWing } from '../../../src/xwing/xwing.ts'
import { HMAC_GC_CHECK, type HpkeVector, type MlKemCase, type MlKemSuite, type SuiteCount, type XWingVector } from './input.ts'

export const hex = (s: string): Uint8Array => {
  const out = new Uint8Array(s.length >> 1)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16)
  return out
}
export const toHex = (u: Uint8Array): string => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('')

/** A suite's tally: cases checked, cases with a mismatch (the first messages are kept for the error). */
export class Tally {
  checked = 0
  readonly failures: string[] = []
  private readonly failedCases = new Set<string>()
  readonly name: string
  readonly selection: string | undefined
  constructor(name: string, selection?: string) {
    this.name = name
    this.selection = selection
  }
  fail(id: string, what: string): void {
    this.failedCases.add(id)
    if (this.failures.length < 5) this.failures.push(`${this.name} ${id}: ${what}`)
  }
  count(): SuiteCount {
    return {
      name: this.name,
      checked: this.checked,
      failed: this.failedCases.size,
      ...(this.selection ? { selection: this.selection } : {}),
    }
  }
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e))

function runCase(kem: MlKem, c: MlKemCase): Record<string, string | boolean> {
  const i = c.in
  const passes = (fn: () => unknown) => {
    try {
      fn()
      return true
    } catch {
      return false
    }
  }
  switch (c.op) {
    case 'keygen': {
      const r = kem.keygen(hex(i.seed!))
      return { ek: toHex(r.publicKey), dk: toHex(r.secretKey) }
    }
    case 'encaps': {
      const r = kem.encapsulate(hex(i.ek!), hex(i.m!))
      return { c: toHex(r.cipherText), K: toHex(r.sharedSecret) }
    }
    case 'decaps':
      return { K: toHex(kem.decapsulate(hex(i.c!), hex(i.dk!))) }
    case 'keygenDecaps': {
      const r = kem.keygen(hex(i.seed!))
      return { ek: toHex(r.publicKey), K: toHex(kem.decapsulate(hex(i.c!), r.secretKey)) }
    }
    case 'ekCheck': {
      const ek = hex(i.ek!)
      return { pass: passes(() => kem.encapsulate(ek, new Uint8Array(32))) }
    }
    case 'dkCheck': {
      const dk = hex(i.dk!)
      return { pass: passes(() => kem.decapsulate(new Uint8Array(kem.lengths.cipherText), dk)) }
    }
  }
}

/** One ML-KEM suite on the given core (the TypeScript core on Fastly). */
export function checkMlKem(kems: KemSuite, suite: MlKemSuite): Tally {
  const tally = new Tally(suite.name, suite.selection)
  for (const c of suite.cases) {
    tally.checked++
    const kem = kems[c.set]
    if (c.reject !== undefined) {
      try {
        runCase(kem, c)
        tally.fail(c.id, 'expected a rejection, the operation succeeded')
      } catch (e) {
        if (!message(e).includes(c.reject)) tally.fail(c.id, `rejected with "${message(e)}", expected a message containing "${c.reject}"`)
      }
      continue
    }
    let got: Record<string, string | boolean>
    try {
      got = runCase(kem, c)
    } catch (e) {
      tally.fail(c.id, `threw: ${message(e)}`)
      continue
    }
    for (const [field, want] of Object.entries(c.want ?? {})) {
      if (got[field] !== want) tally.fail(c.id, `${field} is ${String(got[field]).slice(0, 24)}…, expected ${String(want).slice(0, 24)}…`)
    }
    if (!c.want || Object.keys(c.want).length === 0) tally.fail(c.id, 'nothing to compare (a case with neither want nor reject)')
  }
  return tally
}

/** The X-Wing draft-10 vectors through src/xwing/xwing.ts over the given backends, as the service uses it. */
export async function checkXWing(backends: Backends, vectors: XWingVector[]): Promise<Tally> {
  const tally = new Tally('X-Wing draft-10', `all ${vectors.length}`)
  const x = createXWing(backends)
  for (const [n, v] of vectors.entries()) {
    tally.checked++
    const id = `vector ${n}`
    try {
      const expect = (what: string, got: Uint8Array, want: string) => {
        if (toHex(got) !== want) tally.fail(id, `${what} mismatch`)
      }
      const { publicKey, secretKey } = await x.keygen(hex(v.seed))
      expect('sk', secretKey, v.sk)
      expect('pk', publicKey, v.pk)
      const { cipherText, sharedSecret } = await x.encapsulate(hex(v.pk), hex(v.eseed))
      expect('ct', cipherText, v.ct)
      expect('ss (encapsulate)', sharedSecret, v.ss)
      expect('ss (decapsulate)', await x.decapsulate(hex(v.ct), hex(v.sk)), v.ss)
      const key = await x.importSecretKey(hex(v.sk))
      expect('imported pk', key.publicKey, v.pk)
      expect('ss (imported key)', await key.decapsulate(hex(v.ct)), v.ss)
    } catch (e) {
      tally.fail(id, `threw: ${message(e)}`)
    }
  }
  return tally
}

/**
 * The draft-ietf-hpke-pq-04 vectors through src/hpke/hpke.ts, with the checks of
 * test/hpke/vectors.test.ts: DeriveKeyPair, SetupBaseS from ikmE, SetupBaseR, every encryption in
 * sequence both ways, every export both ways, and the single-shot API.
 */
export async function checkHpke(backends: Backends, vectors: HpkeVector[]): Promise<Tally> {
  const tally = new Tally('HPKE draft-ietf-hpke-pq-04', `the ${vectors.length} base-mode vectors with an implemented KEM/KDF/AEAD`)
  const hpke = createHpke(backends)
  for (const v of vectors) {
    tally.checked++
    const id = `kem 0x${v.kem_id.toString(16)} kdf 0x${v.kdf_id.toString(16)} aead 0x${v.aead_id.toString(16)}`
    const expect = (what: string, got: Uint8Array, want: string) => {
      if (toHex(got) !== want) tally.fail(id, `${what} mismatch`)
    }
    try {
      const suite = hpke.suite({ kem: v.kem_id, kdf: v.kdf_id, aead: v.aead_id })
      const derived = await suite.DeriveKeyPair(hex(v.ikmR))
      expect('skRm', derived.privateKey, v.skRm)
      expect('pkRm', derived.publicKey, v.pkRm)
      const { enc, context: sender } = await suite.SetupBaseS(hex(v.pkRm), hex(v.info), { ikmE: hex(v.ikmE) })
      expect('enc', enc, v.enc)
      const recipient = await suite.SetupBaseR(hex(v.enc), await suite.importRecipientKey(hex(v.skRm)), hex(v.info))
      for (const [n, e] of v.encryptions.entries()) {
        expect(`encryption ${n} seal`, await sender.seal(hex(e.pt), hex(e.aad)), e.ct)
        expect(`encryption ${n} open`, await recipient.open(hex(e.ct), hex(e.aad)), e.pt)
      }
      for (const [n, x] of v.exports.entries()) {
        expect(`export ${n} (sender)`, await sender.export(hex(x.exporter_context), x.L), x.exported_value)
        expect(`export ${n} (recipient)`, await recipient.export(hex(x.exporter_context), x.L), x.exported_value)
      }
      const first = v.encryptions[0]!
      const sealed = await suite.Seal(hex(v.pkRm), hex(first.pt), { info: hex(v.info), aad: hex(first.aad), ikmE: hex(v.ikmE) })
      expect('Seal', sealed.ciphertext, first.ct)
      expect('Open', await suite.Open(hex(v.enc), hex(v.skRm), hex(first.ct), { info: hex(v.info), aad: hex(first.aad) }), first.pt)
      const x0 = v.exports[0]!
      expect(
        'ReceiveExport',
        await suite.ReceiveExport(hex(v.enc), hex(v.skRm), hex(x0.exporter_context), x0.L, { info: hex(v.info) }),
        x0.exported_value,
      )
      const sent = await suite.SendExport(hex(v.pkRm), hex(x0.exporter_context), x0.L, { info: hex(v.info), ikmE: hex(v.ikmE) })
      expect('SendExport', sent.exported, x0.exported_value)
    } catch (e) {
      tally.fail(id, `threw: ${message(e)}`)
    }
  }
  return tally
}

/**
 * The selected HMAC-SHA256 against @noble/hashes' with the garbage collector busy between key import and
 * use. Found by this suite: js-compute-runtime 3.46.0's crypto.subtle.importKey('raw', …, HMAC) keeps a
 * pointer into the key's bytes, which the GC moves when they sit in a small (inline) ArrayBuffer, so some
 * MACs come out wrong (and key confirmation fails). Fixed keys and data, so a failure is reproducible.
 */
export async function checkHmacUnderGcPressure(
  hmacs: readonly HmacSha256[],
  reference: HmacSha256,
  cases = HMAC_GC_CHECK.cases,
  garbagePerCase = 10_000,
): Promise<Tally> {
  const tally = new Tally(
    HMAC_GC_CHECK.name,
    `${hmacs.map((h) => h.name).join(' and ')}: ${cases} fixed 32-byte keys each, 10,000 small allocations between import and use`,
  )
  for (const hmac of hmacs) {
    for (let i = 0; i < cases; i++) {
      tally.checked++
      const key = new Uint8Array(32).map((_, j) => (i * 131 + j * 17 + 1) & 255)
      const data = new Uint8Array(64).map((_, j) => (i * 7 + j * 29) & 255)
      const want = toHex(await reference.mac(key, data))
      let garbage: Uint8Array[] | null = []
      const pending = hmac.mac(key, data)
      for (let j = 0; j < garbagePerCase; j++) garbage.push(new Uint8Array(16 + (j & 31)))
      garbage = null
      const got = toHex(await pending)
      if (got !== want) tally.fail(`${hmac.name} key ${i}`, `MAC ${got.slice(0, 16)}…, expected ${want.slice(0, 16)}…`)
    }
  }
  return tally
}
