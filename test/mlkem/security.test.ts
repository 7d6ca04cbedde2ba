// Security rules of the ML-KEM core, each checked on the shipped modules:
// (1) no division or remainder instruction anywhere (KyberSlash: wasm div/rem compile to
//     variable-time hardware division); (2) no secret left in linear memory after any operation;
// (3) every exported op wipes all scratch, so only the I/O region can differ until wipe().
// The build is also reproducible and pinned: a clean build must match the committed SHA-256.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import binaryen from 'binaryen'
import { describe, expect, it } from 'vitest'
import { checkReproducible, committedManifest, WASM_DIR } from '../../scripts/build-mlkem.ts'
import { PARAMETER_SET_IDS, PARAMETER_SETS } from '../../src/mlkem/api.ts'
import { BUILD_KINDS, loadBuild } from './helpers.ts'

const DIV_OR_REM = /\b(i32|i64)\.(div_s|div_u|rem_s|rem_u)\b/g
const FILE = { scalar: 'mlkem.wasm', simd: 'mlkem-simd.wasm' } as const

function disassemble(bytes: Uint8Array): string {
  const module = binaryen.readBinary(bytes)
  try {
    return module.emitText()
  } finally {
    module.dispose()
  }
}

it('the div/rem detector finds a remainder in a module that has one (so the check can fail)', () => {
  const module = binaryen.parseText('(module (func (export "f") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1))))')
  const bytes = module.emitBinary()
  module.dispose()
  expect(disassemble(bytes).match(DIV_OR_REM)).toEqual(['i32.rem_u'])
})

it('a clean build is byte-identical to the committed modules and their pinned SHA-256', async () => {
  expect(await checkReproducible()).toEqual([])
  expect(Object.keys(committedManifest().modules).sort()).toEqual(Object.values(FILE).sort())
})

describe.each(BUILD_KINDS)('%s build', (kind) => {
  it('has no i32/i64 div or rem instruction', () => {
    const text = disassemble(readFileSync(`${WASM_DIR}/${FILE[kind]}`))
    expect(text).toMatch(/i(32|64)\.mul/) // the disassembly is real
    expect(text.match(DIV_OR_REM) ?? []).toEqual([])
  })

  it('leaves no secret in linear memory after any operation, and memory as it was at load', () => {
    const { exports, kem } = loadBuild(kind)
    const pristine = Buffer.from(new Uint8Array(exports.memory.buffer).slice())
    const memory = () => Buffer.from(exports.memory.buffer)
    /** Fails if any 16-byte window of any secret occurs anywhere in memory. */
    const scan = (step: string, secrets: Record<string, Uint8Array>) => {
      const mem = memory()
      for (const [name, secret] of Object.entries(secrets)) {
        for (let i = 0; i + 16 <= secret.length; i++) {
          const at = mem.indexOf(secret.subarray(i, i + 16))
          expect(at, `${step}: bytes ${i}..${i + 16} of ${name} found at memory offset ${at}`).toBe(-1)
        }
      }
      expect(mem.equals(pristine), `${step}: memory differs from its state at load`).toBe(true)
    }
    for (const set of PARAMETER_SET_IDS) {
      const k = kem[set]
      for (let round = 0; round < 5; round++) {
        const seed = randomBytes(64)
        const m = randomBytes(32)
        const { publicKey, secretKey } = k.keygen(seed)
        const dkPke = secretKey.subarray(0, publicKey.length - 32) // ŝ, the secret part of dk
        const z = secretKey.subarray(secretKey.length - 32)
        scan(`${set} keygen`, { seed, dkPke, z })
        const { cipherText, sharedSecret } = k.encapsulate(publicKey, m)
        scan(`${set} encapsulate`, { m, sharedSecret })
        const imported = k.importPublicKey(publicKey)
        scan(`${set} importPublicKey`, {})
        expect(Buffer.from(imported.encapsulate(m).sharedSecret).equals(sharedSecret)).toBe(true)
        scan(`${set} imported key: encapsulate`, { m, sharedSecret })
        expect(Buffer.from(k.decapsulate(cipherText, secretKey)).equals(sharedSecret)).toBe(true)
        scan(`${set} decapsulate`, { seed, dkPke, z, m, sharedSecret })
        const altered = Uint8Array.from(cipherText)
        altered[0]! ^= 1
        const rejection = k.decapsulate(altered, secretKey) // K̄ = J(z ‖ c)
        scan(`${set} decapsulate (implicit rejection)`, { dkPke, z, rejection, sharedSecret })
        const importedDk = k.importSecretKey(secretKey)
        scan(`${set} importSecretKey`, { seed, dkPke, z })
        expect(Buffer.from(importedDk.decapsulate(cipherText)).equals(sharedSecret)).toBe(true)
        expect(Buffer.from(importedDk.decapsulate(altered)).equals(rejection)).toBe(true)
        scan(`${set} imported key: decapsulate`, { dkPke, z, m, sharedSecret, rejection })
        importedDk.wipe()
      }
    }
  })

  it('each raw export wipes all scratch: only the I/O region differs until wipe()', () => {
    const { exports: ex, kem } = loadBuild(kind)
    const base = ex.ioBase()
    const ioEnd = base + (ex.OFF_MAT.value as number) + 16 * 512 // an imported key's Âᵀ (k = 4) ends the I/O region
    const pristine = new Uint8Array(ex.memory.buffer).slice()
    const mem = () => new Uint8Array(ex.memory.buffer)
    const scratchWiped = (step: string) => {
      const now = mem()
      for (let i = 0; i < now.length; i++) {
        if (i >= base && i < ioEnd) continue
        if (now[i] !== pristine[i]) expect.fail(`${step}: scratch byte at ${i} not wiped`)
      }
    }
    const { k, eta1, eta2, du, dv } = PARAMETER_SETS.ml_kem768
    const { publicKey, secretKey } = kem.ml_kem768.keygen(randomBytes(64))
    const { cipherText } = kem.ml_kem768.encapsulate(publicKey, randomBytes(32))
    mem().set(randomBytes(64), base + (ex.OFF_SEED.value as number))
    ex.keyGenInternal(k, eta1)
    scratchWiped('keygen')
    ex.wipe()
    mem().set(publicKey, base + (ex.OFF_EK.value as number))
    mem().set(randomBytes(32), base + (ex.OFF_MSG.value as number))
    expect(ex.encapsInternal(k, eta1, eta2, du, dv)).toBe(0)
    scratchWiped('encaps')
    ex.wipe()
    mem().set(publicKey, base + (ex.OFF_EK.value as number))
    expect(ex.importEncapsulationKey(k)).toBe(0)
    scratchWiped('importEncapsulationKey')
    mem().set(randomBytes(32), base + (ex.OFF_MSG.value as number))
    ex.encapsInternalImported(k, eta1, eta2, du, dv)
    scratchWiped('encapsInternalImported')
    ex.wipe()
    mem().set(secretKey, base + (ex.OFF_DK.value as number))
    expect(ex.importDecapsulationKey(k)).toBe(0)
    scratchWiped('importDecapsulationKey')
    mem().set(cipherText, base + (ex.OFF_CT.value as number))
    ex.decapsInternalImported(k, eta1, eta2, du, dv)
    scratchWiped('decapsInternalImported')
    ex.wipe()
    mem().set(secretKey, base + (ex.OFF_DK.value as number))
    mem().set(cipherText, base + (ex.OFF_CT.value as number))
    expect(ex.decapsInternal(k, eta1, eta2, du, dv)).toBe(0)
    scratchWiped('decaps')
    ex.wipe()
    expect(Buffer.from(mem()).equals(Buffer.from(pristine)), 'wipe() restores memory as it was at load').toBe(true)
  })
})
