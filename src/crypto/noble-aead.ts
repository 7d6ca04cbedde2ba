// An AEAD over a noble cipher function, in a module of its own that imports no @noble package: the
// lazily loaded fallbacks (select.ts) build theirs from a cipher imported on first use.
import type { gcm } from '@noble/ciphers/aes.js'
import type { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import type { Aead } from './types.ts'

export function nobleAead(cipher: typeof gcm | typeof chacha20poly1305, keyLengths: number[]): Aead {
  return {
    name: 'noble',
    async importKey(key) {
      if (!keyLengths.includes(key.length)) throw new RangeError(`AEAD key must be ${keyLengths.join(' or ')} bytes`)
      const k = key.slice()
      return {
        seal: async (nonce, aad, plaintext) => cipher(k, nonce, aad).encrypt(plaintext),
        open: async (nonce, aad, ciphertext) => cipher(k, nonce, aad).decrypt(ciphertext),
      }
    },
  }
}
