// The one memo for what a runtime computes once and then shares: the service context (per isolate
// and env object in the Workers entry, per reading of the stores on Fastly) and the crypto capability probes
// (src/app.ts).
import { ConfigError } from './service/config-error.ts'

/**
 * Memoises `fn` per key (held weakly): the first call for a key runs it, and every call shares its
 * promise. A failure is forgotten, so the next call tries again (a transient failure must not stick),
 * except a ConfigError: the same configuration gives the same error, so it is kept, and logged once
 * as a `service_misconfigured` line naming the variable, never its value.
 */
export function memoiseBy<K extends object, T>(fn: (key: K) => Promise<T>): (key: K) => Promise<T> {
  const results = new WeakMap<K, Promise<T>>()
  return (key) => {
    let result = results.get(key)
    if (!result) {
      result = fn(key)
      results.set(key, result)
      result.catch((error: unknown) => {
        if (!(error instanceof ConfigError)) return results.delete(key)
        console.error(JSON.stringify({ level: 'error', event: 'service_misconfigured', variable: error.variable, message: error.message }))
      })
    }
    return result
  }
}

/** memoiseBy with a single key: runs once per isolate (or sandbox), on the first call. */
export function memoise<T>(fn: () => Promise<T>): () => Promise<T> {
  const once = memoiseBy<object, T>(fn)
  const key = {}
  return () => once(key)
}
