// Config record names. A name is one or more `/`-separated segments, e.g. `app/db-url` or
// `shared/flags`. The grammar is strict so that a scope prefix such as `app/` means exactly "the
// `app` namespace": no empty, `.` or `..` segments (which `app//x` or `app/../x` would need), no
// percent-encoding or whitespace tricks, nothing that changes meaning when it travels in a URL path.

/** Longest accepted name, in characters: room for a few segments, short enough for storage keys and logs. */
export const MAX_CONFIG_NAME_LENGTH = 200

/** One segment: ASCII letters, digits, `_`, `-` and `.`, starting with a letter or digit (so never `.` or `..`). */
const SEGMENT = '[A-Za-z0-9][A-Za-z0-9_.-]*'
const NAME_PATTERN = new RegExp(`^${SEGMENT}(?:/${SEGMENT})*$`)

export function isValidConfigName(name: string): boolean {
  return name.length <= MAX_CONFIG_NAME_LENGTH && NAME_PATTERN.test(name)
}
