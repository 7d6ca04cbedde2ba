// Size app (scripts/fastly/bench.ts `aead`): aes-gcm-js.ts only, tables primed at the top level (snapshotted).
import { jsAes128Gcm, jsAes256Gcm, primeAesGcmTables } from '../../../../src/crypto/aes-gcm-js.ts'
import { serveAead } from './aead-app.ts'

primeAesGcmTables()
serveAead(jsAes128Gcm, jsAes256Gcm)
