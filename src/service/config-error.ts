// The one error for configuration: a variable (secret, setting or platform binding) is missing or
// malformed. Parsers throw it (context.ts, keys.ts, auth.ts, policy.ts, the runtime entries); the
// memo keeps it and logs it once (src/memo.ts: the same configuration gives the same error); the app
// answers it with 500 service_misconfigured and the message as detail. The message names the
// variable and the rule it breaks, never the value.

export class ConfigError extends Error {
  override name = 'ConfigError'
  /** The variable (or binding, or store) at fault, e.g. `SERVER_SECRET` or `CLIENTS`. */
  readonly variable: string
  constructor(variable: string, message: string) {
    super(message)
    this.variable = variable
  }
}
