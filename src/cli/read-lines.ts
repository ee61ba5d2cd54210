// Lines of a stream, for commands that read their input from stdin.

import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export function readLines(input: Readable): AsyncIterable<string> {
  return createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
}
