/**
 * Reading a FHIR R4 transaction Bundle the way the hub sends journal entries: every entry is a
 * conditional write keyed by a business identifier, so a retried delivery never makes a second
 * entry (DESIGN.md rule 1). Anything else is refused with an OperationOutcome that says why.
 */

export interface FhirIdentifier {
  system: string;
  value: string;
}

/** FHIR R4 IssueType codes this receiver uses. */
export type IssueCode = 'invalid' | 'structure' | 'not-supported' | 'not-found' | 'too-long' | 'transient' | 'business-rule' | 'login';

/** One entry of a valid transaction, ready to apply. */
export interface ConditionalWrite {
  /** Position in Bundle.entry, for messages. */
  index: number;
  method: 'PUT' | 'POST';
  resourceType: string;
  identifier: FhirIdentifier;
  resource: Record<string, unknown>;
  /** POST with ifNoneExist: an existing match is left as it is. */
  createOnly: boolean;
}

/** Input the receiver refuses; becomes an HTTP error with an OperationOutcome. */
export class FhirInputError extends Error {
  override readonly name = 'FhirInputError';
  constructor(
    message: string,
    readonly code: IssueCode = 'invalid',
    readonly status = 400,
    /** FHIRPath of the offending element, e.g. Bundle.entry[2].request.url */
    readonly expression?: string,
  ) {
    super(message);
  }
}

export function operationOutcome(error: FhirInputError): Record<string, unknown> {
  const issue: Record<string, unknown> = { severity: 'error', code: error.code, diagnostics: error.message };
  if (error.expression) issue.expression = [error.expression];
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/** Parses the request body text into the writes it asks for, or throws FhirInputError. */
export function parseTransaction(text: string): ConditionalWrite[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new FhirInputError(`the request body is not JSON: ${(error as Error).message}`, 'structure');
  }
  if (!isRecord(body)) throw new FhirInputError('the request body must be a JSON object: a FHIR Bundle', 'structure');
  if (body.resourceType !== 'Bundle') {
    throw new FhirInputError(
      `expected a Bundle, got ${typeof body.resourceType === 'string' ? `a ${body.resourceType}` : 'no resourceType'}`,
      'structure',
      400,
      'resourceType',
    );
  }
  if (body.type !== 'transaction') {
    throw new FhirInputError(
      `Bundle.type must be "transaction", got ${JSON.stringify(body.type) ?? 'nothing'}`,
      'invalid',
      400,
      'Bundle.type',
    );
  }
  if (body.entry === undefined) return [];
  if (!Array.isArray(body.entry)) throw new FhirInputError('Bundle.entry must be an array', 'structure', 400, 'Bundle.entry');

  const writes = body.entry.map((entry, index) => parseEntry(entry, index));
  // A transaction may touch each resource once; two writes to one identifier is a sender bug.
  const seen = new Map<string, number>();
  for (const write of writes) {
    const key = resourceKey(write.resourceType, write.identifier);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new FhirInputError(
        `Bundle.entry[${earlier}] and Bundle.entry[${write.index}] both write ${describe(write.resourceType, write.identifier)}`,
        'invalid',
        400,
        `Bundle.entry[${write.index}]`,
      );
    }
    seen.set(key, write.index);
  }
  return writes;
}

/** The key a stored resource is found by: its type and one business identifier. */
export function resourceKey(resourceType: string, identifier: FhirIdentifier): string {
  return `${resourceType}?${identifier.system}|${identifier.value}`;
}

/** "system|value" → identifier; undefined when either half is missing. */
export function parseIdentifierToken(token: string): FhirIdentifier | undefined {
  const bar = token.indexOf('|');
  if (bar <= 0 || bar === token.length - 1) return undefined;
  return { system: token.slice(0, bar), value: token.slice(bar + 1) };
}

/** The identifiers a resource carries; Identifier is a list on most types but single on Composition. */
export function identifiersOf(resource: Record<string, unknown>): FhirIdentifier[] {
  const raw = resource.identifier;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.filter(
    (item): item is FhirIdentifier => isRecord(item) && typeof item.system === 'string' && typeof item.value === 'string',
  );
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseEntry(entry: unknown, index: number): ConditionalWrite {
  const at = `Bundle.entry[${index}]`;
  if (!isRecord(entry)) throw new FhirInputError(`${at} must be an object`, 'structure', 400, at);
  const { resource, request } = entry;
  if (!isRecord(resource)) throw new FhirInputError(`${at} has no resource`, 'structure', 400, `${at}.resource`);
  if (!isRecord(request)) throw new FhirInputError(`${at} has no request`, 'structure', 400, `${at}.request`);
  const resourceType = resource.resourceType;
  if (typeof resourceType !== 'string' || !RESOURCE_TYPE.test(resourceType)) {
    throw new FhirInputError(`${at}.resource has no valid resourceType`, 'structure', 400, `${at}.resource.resourceType`);
  }
  if (typeof request.url !== 'string' || request.url === '') {
    throw new FhirInputError(`${at}.request.url is missing`, 'structure', 400, `${at}.request.url`);
  }

  if (request.method === 'PUT') {
    const [path, query] = splitOnce(request.url, '?');
    if (query === undefined) {
      throw new FhirInputError(
        `${at}.request.url "${request.url}" is not a conditional update; this EPJ accepts only ` +
          `PUT <Type>?identifier=<system>|<value>, so that a retry cannot create a second entry`,
        'not-supported',
        400,
        `${at}.request.url`,
      );
    }
    checkType(path, resourceType, `${at}.request.url`);
    const identifier = identifierFromQuery(query, `${at}.request.url`);
    checkCarried(resource, identifier, `${at}.request.url`);
    return { index, method: 'PUT', resourceType, identifier, resource, createOnly: false };
  }

  if (request.method === 'POST') {
    checkType(request.url, resourceType, `${at}.request.url`);
    if (typeof request.ifNoneExist !== 'string' || request.ifNoneExist === '') {
      throw new FhirInputError(
        `${at}.request has no ifNoneExist; this EPJ accepts POST only as a conditional create ` +
          `(ifNoneExist: "identifier=<system>|<value>"), so that a retry cannot create a second entry`,
        'not-supported',
        400,
        `${at}.request.ifNoneExist`,
      );
    }
    const query = request.ifNoneExist.startsWith('?') ? request.ifNoneExist.slice(1) : request.ifNoneExist;
    const identifier = identifierFromQuery(query, `${at}.request.ifNoneExist`);
    checkCarried(resource, identifier, `${at}.request.ifNoneExist`);
    return { index, method: 'POST', resourceType, identifier, resource, createOnly: true };
  }

  throw new FhirInputError(
    `${at}.request.method ${JSON.stringify(request.method) ?? 'is missing'}: this EPJ accepts PUT (conditional update) and POST (with ifNoneExist)`,
    'not-supported',
    400,
    `${at}.request.method`,
  );
}

function checkType(path: string, resourceType: string, expression: string): void {
  const type = path.startsWith('/') ? path.slice(1) : path;
  if (type !== resourceType) {
    throw new FhirInputError(
      `${expression} addresses "${type}" but the resource is a ${resourceType}`,
      'invalid',
      400,
      expression,
    );
  }
}

function identifierFromQuery(query: string, expression: string): FhirIdentifier {
  const params = new URLSearchParams(query);
  const names = [...new Set(params.keys())];
  const tokens = params.getAll('identifier');
  if (tokens.length !== 1 || names.length !== 1) {
    throw new FhirInputError(
      `${expression} must search by exactly one identifier=<system>|<value>, got "${query}"`,
      'invalid',
      400,
      expression,
    );
  }
  const identifier = parseIdentifierToken(tokens[0]!);
  if (!identifier) {
    throw new FhirInputError(
      `${expression} identifier "${tokens[0]}" must be <system>|<value>, both non-empty`,
      'invalid',
      400,
      expression,
    );
  }
  return identifier;
}

function checkCarried(resource: Record<string, unknown>, identifier: FhirIdentifier, expression: string): void {
  const carried = identifiersOf(resource);
  if (carried.some((own) => own.system === identifier.system && own.value === identifier.value)) return;
  const list = carried.length === 0 ? 'none' : carried.map((own) => `${own.system}|${own.value}`).join(', ');
  throw new FhirInputError(
    `${expression} searches for identifier ${identifier.system}|${identifier.value}, which the resource does not carry (it has: ${list})`,
    'invalid',
    400,
    expression,
  );
}

function describe(resourceType: string, identifier: FhirIdentifier): string {
  return `${resourceType} with identifier ${identifier.system}|${identifier.value}`;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
