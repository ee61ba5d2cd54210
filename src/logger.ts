// Structured JSON logs (pino). Nothing that looks like an API key or an Authorization header is
// ever written: the header is redacted by path, and every string that matches the key format is
// masked wherever it appears in a log line (a message, an error, a field).

import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.ts';
import { redactKeys } from './keys/api-key.ts';

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'authorization',
        'headers.authorization',
        'req.headers.authorization',
        'request.headers.authorization',
        '*.headers.authorization',
      ],
      censor: '[REDACTED]',
    },
    hooks: {
      // The last line of defence: whatever was passed, the serialised line carries no key.
      streamWrite: redactKeys,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
