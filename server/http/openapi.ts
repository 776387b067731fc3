/**
 * GET /api/openapi.json: an OpenAPI 3.1 description of the REST API, generated from the
 * REST table (endpoints.ts) and its zod schemas (requests as they are sent, replies as
 * they are returned), never written by hand, so it says what the routes serve. Errors are
 * the one envelope of respond.ts, listed per endpoint with the codes that can cause them.
 */
import { z } from 'zod';
import packageJson from '../../package.json';
import { ERROR_TABLE, type HiveErrorCode } from '../core/errors';
import { ENDPOINTS, type Endpoint } from './endpoints';

type JsonSchema = Record<string, unknown>;

/** What each error code means, for the description of the statuses it causes. */
const CODE_MEANINGS: Record<HiveErrorCode, string> = {
  BAD_REQUEST: 'the URL does not decode, or the request is malformed',
  BAD_JSON: 'the body is empty, not JSON, not UTF-8, or cut short',
  INVALID_INPUT: 'schema violations; `fields` names each offending field',
  UNAUTHORIZED: 'HIVE_API_TOKEN is set and the request did not carry it',
  FORBIDDEN: 'a cross-site Origin or Sec-Fetch-Site',
  UNKNOWN_HOST: 'the Host header is not one this server answers to',
  NOT_FOUND: 'no such task, bulk action or API path',
  CONFLICT: 'the action cannot apply now (the body says why); nothing changed',
  PAYLOAD_TOO_LARGE: 'the body is over HIVE_MAX_BODY_BYTES',
  UNSUPPORTED_MEDIA_TYPE: 'the body is not sent as application/json',
  TOO_MANY_WAITERS: 'more than HIVE_MAX_WAITERS requests are already waiting',
  STORAGE_FULL: "the hive's disk is full",
  STORAGE_UNAVAILABLE: 'the hive is not writable',
  SHUTTING_DOWN: 'the server is stopping; retry once it is back',
  INTERNAL: 'an unexpected failure; the server log has the details',
};

const TAGS = {
  tasks: 'Dispatch, status and operator actions on tasks (DESIGN §3, §7).',
  bots: 'Pausing and resuming bots (DESIGN §7).',
  hive: 'Readiness, inbox health and metrics (DESIGN §6).',
  routing: 'Where a task would go, and why (DESIGN §4).',
  bees: 'The bee protocol over HTTP, for bees with no access to the hive files (DESIGN §8). Bee tokens may call these only.',
} satisfies Record<Endpoint['tag'], string>;

export const ErrorEnvelopeSchema = z.object({
  status: z.literal('error'),
  error: z.object({
    code: z.enum(Object.keys(ERROR_TABLE) as [HiveErrorCode, ...HiveErrorCode[]]),
    message: z.string(),
    fields: z.record(z.string(), z.array(z.string())).optional(),
  }),
});

/** Statuses any API call may get: the guard, the token, a failing disk, a stopping server. */
const ALWAYS: HiveErrorCode[] = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'UNKNOWN_HOST',
  'STORAGE_UNAVAILABLE',
  'SHUTTING_DOWN',
  'INTERNAL',
];
const WITH_BODY: HiveErrorCode[] = [
  'BAD_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INVALID_INPUT',
  'STORAGE_FULL',
];

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // OpenAPI 3.1 schemas are JSON Schema 2020-12 already: the dialect line is the document's to give.
  const generated: JsonSchema = { ...z.toJSONSchema(schema, { io, unrepresentable: 'any' }) };
  delete generated.$schema;
  return generated;
}

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as { description?: string };
    return {
      name,
      in: where,
      required: where === 'path' || (object.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

function errorCodes(endpoint: Endpoint): HiveErrorCode[] {
  const codes = new Set<HiveErrorCode>(ALWAYS);
  if (endpoint.params || endpoint.query) codes.add('INVALID_INPUT');
  if (endpoint.body) for (const code of WITH_BODY) codes.add(code);
  for (const code of Object.keys(ERROR_TABLE) as HiveErrorCode[]) {
    if (endpoint.errors.includes(ERROR_TABLE[code].http)) codes.add(code);
  }
  return [...codes];
}

function errorResponses(endpoint: Endpoint, replyStatuses: number[]) {
  const byStatus = new Map<number, HiveErrorCode[]>();
  for (const code of errorCodes(endpoint)) {
    const status = ERROR_TABLE[code].http;
    if (replyStatuses.includes(status)) continue;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, codes]) => [
        String(status),
        {
          description: codes.map((code) => `${code}: ${CODE_MEANINGS[code]}`).join('; '),
          content: { 'application/json': { schema: ref('Error') } },
        },
      ]),
  );
}

function replyContent(endpoint: Endpoint, replyName: string) {
  if (endpoint.reply instanceof z.ZodType) return { 'application/json': { schema: ref(replyName) } };
  return Object.fromEntries(
    Object.values(endpoint.reply.contentTypes).map((type) => [
      type,
      { schema: type.startsWith('application/json') ? {} : { type: 'string' } },
    ]),
  );
}

function operation(name: string, endpoint: Endpoint, schemas: Record<string, JsonSchema>) {
  const requestName = `${pascal(name)}Request`;
  const replyName = `${pascal(name)}Reply`;
  if (endpoint.body) schemas[requestName] = jsonSchema(endpoint.body, 'input');
  if (endpoint.reply instanceof z.ZodType) schemas[replyName] = jsonSchema(endpoint.reply, 'output');
  const replyStatuses = endpoint.replyStatuses ?? [200];
  const content = replyContent(endpoint, replyName);
  const params = [...parameters(endpoint.params, 'path'), ...parameters(endpoint.query, 'query')];
  return {
    operationId: name,
    summary: endpoint.summary,
    tags: [endpoint.tag],
    ...(params.length ? { parameters: params } : {}),
    ...(endpoint.body
      ? {
          requestBody: {
            required: !endpoint.emptyBodyIsObject,
            ...(endpoint.emptyBodyIsObject ? { description: 'An empty body reads as `{}`.' } : {}),
            content: { 'application/json': { schema: ref(requestName) } },
          },
        }
      : {}),
    responses: {
      ...Object.fromEntries(
        replyStatuses.map((status) => [
          String(status),
          status === 204 ? { description: describeReply(status) } : { description: describeReply(status), content },
        ]),
      ),
      ...errorResponses(endpoint, replyStatuses),
    },
  };
}

function describeReply(status: number): string {
  if (status === 202) return 'Accepted: started, progress is at the returned id.';
  if (status === 404) return 'Not found (the reply says so in its own shape).';
  if (status === 204) return 'Nothing came within the wait; ask again.';
  return 'OK';
}

function generate() {
  const schemas: Record<string, JsonSchema> = { Error: jsonSchema(ErrorEnvelopeSchema, 'output') };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, endpoint] of Object.entries<Endpoint>(ENDPOINTS)) {
    paths[endpoint.path] ??= {};
    paths[endpoint.path]![endpoint.method.toLowerCase()] = operation(name, endpoint, schemas);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hive Control',
      version: packageJson.version,
      description:
        'The REST API of Hive Control, the control plane of a file-based hive of AI coding agents. ' +
        'JSON bodies, snake_case keys. The same operations are offered over tRPC at /api/trpc. ' +
        'When the server runs with HIVE_API_TOKEN, every call needs `Authorization: Bearer <token>`; without it, none does. ' +
        'A bee token (`hbt_…`, see `hive tokens`) may call the `bees` endpoints only, for its own bots.',
    },
    tags: Object.entries(TAGS).map(([tag, description]) => ({ name: tag, description })),
    // `{}`: no credentials, for a server without HIVE_API_TOKEN; the bearer token otherwise.
    security: [{}, { bearer: [] }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'The HIVE_API_TOKEN the server was started with (required only when it is set), or a bee token for the bee endpoints.',
        },
      },
    },
  };
}

let document: ReturnType<typeof generate> | undefined;

/** The document, generated once per process (the table does not change while it runs). */
export function openApiDocument(): ReturnType<typeof generate> {
  return (document ??= generate());
}
