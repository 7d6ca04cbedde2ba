// Size app (scripts/fastly/bench.ts `aead`): aes-gcm-js.ts only, tables built on first use.
import { jsAes128Gcm, jsAes256Gcm } from '../../../../src/crypto/aes-gcm-js.ts'
import { serveAead } from './aead-app.ts'

serveAead(jsAes128Gcm, jsAes256Gcm)
