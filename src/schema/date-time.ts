// DateTime: an ISO-8601 instant, always written in UTC ("2026-12-04T16:04:34.000Z").

import { GraphQLError, Kind } from 'graphql';
import { builder } from './builder.ts';

// Date and time with an explicit offset or Z; a bare date or a local time is ambiguous.
const ISO_8601_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Whether the calendar date written is a real one (JavaScript turns 2027-02-30 into March 2). */
function isRealCalendarDate(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function parseDateTime(value: unknown): Date {
  if (typeof value === 'string' && ISO_8601_INSTANT.test(value) && isRealCalendarDate(value)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new GraphQLError('DateTime must be an ISO-8601 date and time with a time zone, e.g. 2027-01-31T12:00:00Z.', {
    extensions: { code: 'invalid_input' },
  });
}

builder.scalarType('DateTime', {
  description: 'An instant in time: ISO-8601, UTC.',
  serialize: (value) => value.toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});
