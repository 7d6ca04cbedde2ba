// The C2SP CCTV ML-KEM text files (strcmp, unluckysample): "name = hex" lines, a repeated name starting
// the next record. Shared by the Node conformance tests and the Fastly engine suite's vector loader.

/** The records of one file, hex in lower case. */
export function parseCctvRecords(text: string): Record<string, string>[] {
  const records: Record<string, string>[] = []
  let current: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const match = /^(\w+) = ([0-9a-fA-F]*)$/.exec(line)
    if (!match) continue
    if (match[1]! in current) {
      records.push(current)
      current = {}
    }
    current[match[1]!] = match[2]!.toLowerCase()
  }
  if (Object.keys(current).length) records.push(current)
  return records
}
