// The error catalogue: every error a client can see, with its HTTP status, its message (the public
// documentation's own words) and the headers it carries. Every error path (GraphQL, REST, CLI)
// goes through this table, so a code never drifts from its status or its wording.

export const WWW_AUTHENTICATE_REALM = 'Bearer realm="dessert"';
const INVALID_TOKEN = `${WWW_AUTHENTICATE_REALM}, error="invalid_token"`;

interface CatalogueEntry {
  readonly status: number;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export const errorCatalogue = {
  missing_authorization: {
    status: 401,
    message: 'No Authorization header was sent.',
    headers: { 'WWW-Authenticate': WWW_AUTHENTICATE_REALM },
  },
  invalid_authorization_scheme: {
    status: 401,
    message: "Header didn't start with Bearer .",
    headers: { 'WWW-Authenticate': WWW_AUTHENTICATE_REALM },
  },
  invalid_key_format: {
    status: 401,
    message: 'Key did not begin with dsrt_live_.',
    headers: { 'WWW-Authenticate': INVALID_TOKEN },
  },
  invalid_api_key: {
    status: 401,
    message: 'Key is unknown or has been revoked.',
    headers: { 'WWW-Authenticate': INVALID_TOKEN },
  },
  account_suspended: { status: 403, message: 'Account is suspended. Contact support.' },
  api_key_not_found: { status: 404, message: 'No API key with this id exists in your account.' },
  not_found: { status: 404, message: 'No such endpoint. See /graphql and /v1.' },
  method_not_allowed: { status: 405, message: 'This endpoint does not accept this method.' },
  api_key_not_rotatable: {
    status: 409,
    message: 'Only an ACTIVE key can be rotated; this one was already rotated, expired or revoked.',
  },
  api_key_not_revocable: {
    status: 409,
    message: 'This key is already expired or revoked.',
  },
  api_key_limit_reached: {
    status: 409,
    message: 'This account has reached its limit of live API keys. Revoke one first.',
  },
  invalid_input: { status: 400, message: 'The input is invalid.' },
  bad_request: { status: 400, message: 'The request could not be understood.' },
  operation_not_found: { status: 400, message: 'No operation in the document has that operationName.' },
  graphql_parse_failed: { status: 400, message: 'The GraphQL document could not be parsed.' },
  graphql_validation_failed: { status: 400, message: 'The GraphQL document is not valid for this schema.' },
  query_too_deep: { status: 400, message: 'The query is nested too deeply.' },
  too_many_aliases: { status: 400, message: 'The query has too many aliases.' },
  too_many_tokens: { status: 400, message: 'The query is too long.' },
  too_many_directives: { status: 400, message: 'The query has too many directives.' },
  one_mutation_per_request: {
    status: 400,
    message: 'A request may run one mutation field: send each change in its own request.',
  },
  invalid_signature: {
    status: 401,
    message: 'The payload signature is missing or does not verify.',
  },
  request_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: {
    status: 415,
    message: 'Send GraphQL as application/json (or application/graphql+json, application/graphql, a form).',
  },
  brand_onboarding_in_progress: {
    status: 425,
    message: 'Brand scrape is still running (15–60 min). Poll GET /v1/brands.',
    headers: { 'Retry-After': '60' },
  },
  rate_limited: { status: 429, message: 'Too many failed authentication attempts. Retry later.' },
  internal_error: { status: 500, message: 'Unexpected error.' },
  service_unavailable: {
    status: 503,
    message: 'The service is temporarily unavailable. Retry later.',
    headers: { 'Retry-After': '5' },
  },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof errorCatalogue;

/** The second wording of invalid_key_format: the prefix is right, the rest is not. */
export const INVALID_KEY_BODY_MESSAGE = 'Key must be dsrt_live_ followed by 40 hexadecimal characters.';

/**
 * An error the client is meant to see. The domain throws it; each door (GraphQL, REST, CLI)
 * renders it. `message` overrides the catalogue's wording only where the catalogue allows a
 * more precise sentence (invalid_key_format, invalid_input); `headers` add to the catalogue's.
 */
export class DessertError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, options: { message?: string; headers?: Record<string, string> } = {}) {
    const entry: CatalogueEntry = errorCatalogue[code];
    // An error for the client, not a fault: its stack is never shown or logged, and capturing
    // one was the largest single cost of refusing a request (the profile of 401s under load).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(options.message ?? entry.message);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'DessertError';
    this.code = code;
    this.status = entry.status;
    this.headers = { ...entry.headers, ...options.headers };
  }
}

export function isDessertError(error: unknown): error is DessertError {
  return error instanceof DessertError;
}

// SQLite result codes that mean "the store is out of reach for now", not "this request is wrong".
const UNAVAILABLE_SQLITE_CODES = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY|PROTOCOL|NOMEM)/;

/** Any thrown value → the catalogue error a client may see (never its message or stack). */
export function toDessertError(error: unknown): DessertError {
  if (isDessertError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNAVAILABLE_SQLITE_CODES.test(code)) return new DessertError('service_unavailable');
  return new DessertError('internal_error');
}
