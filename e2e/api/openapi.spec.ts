/**
 * GET /api/openapi.json: the served document is valid OpenAPI 3.1 (checked by a validator
 * of the specification's own schemas), and describes every REST route file under app/api/,
 * with the methods it exports, so the two cannot drift apart.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { expect, test } from '../support/fixtures';

const API_DIR = path.resolve(__dirname, '..', '..', 'app', 'api');
/** Not REST: the tRPC adapter, the dashboard's sign-in, the catch-all 404, and this document itself. */
const NOT_DESCRIBED = ['trpc/[trpc]', 'session', '[...rest]', 'openapi.json'];

/** `tasks/[taskId]/cancel/route.ts` → `/api/tasks/{taskId}/cancel`, with the HTTP methods the file exports. */
async function routeFiles(): Promise<{ path: string; methods: string[] }[]> {
  const entries = await readdir(API_DIR, { recursive: true });
  const routes = entries.filter((entry) => path.basename(entry) === 'route.ts');
  const described = routes.filter((route) => !NOT_DESCRIBED.includes(path.dirname(route)));
  return Promise.all(
    described.map(async (route) => {
      const source = await readFile(path.join(API_DIR, route), 'utf8');
      const methods = [...source.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) =>
        m[1]!.toLowerCase(),
      );
      const segments = path
        .dirname(route)
        .split(path.sep)
        .map((s) => s.replace(/^\[(\w+)\]$/, '{$1}'));
      return { path: `/api/${segments.join('/')}`, methods };
    }),
  );
}

test('the document is valid OpenAPI 3.1', async ({ server }) => {
  const res = await fetch(`${server.url}/api/openapi.json`);
  expect(res.status).toBe(200);
  const document = await res.json();
  const validator = new Validator();
  const result = await validator.validate(document);
  expect(result.errors).toBeUndefined();
  expect(result.valid).toBe(true);
  expect(validator.version).toBe('3.1');

  // The validator can fail: the same document with a reply that lacks its description is refused.
  const broken = structuredClone(document);
  delete broken.paths['/api/tasks/run'].post.responses['200'].description;
  expect((await new Validator().validate(broken)).valid).toBe(false);
});

test('every REST route file under app/api/ is in the document, with its methods', async ({ server }) => {
  const document = await (await fetch(`${server.url}/api/openapi.json`)).json();
  const files = await routeFiles();
  expect(files.length).toBeGreaterThanOrEqual(16);
  for (const file of files) {
    expect(file.methods.length, `${file.path} exports a handler`).toBeGreaterThan(0);
    expect(Object.keys(document.paths[file.path] ?? {}).sort(), file.path).toEqual(file.methods.sort());
  }
  // And nothing is described that no route file serves.
  expect(Object.keys(document.paths).sort()).toEqual(files.map((f) => f.path).sort());
});

test('it describes requests, replies, errors, the optional bearer token and the metrics', async ({ server }) => {
  const document = await (await fetch(`${server.url}/api/openapi.json`)).json();
  const run = document.paths['/api/tasks/run'].post;
  expect(run.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/RunTaskRequest');
  const request = document.components.schemas.RunTaskRequest;
  expect(request.required).toEqual(expect.arrayContaining(['intent', 'title', 'summary']));
  expect(request.properties.task_id.pattern).toBe('^[A-Za-z0-9][A-Za-z0-9._-]*$');
  expect(request.additionalProperties).toBe(false);
  for (const status of ['400', '401', '409', '413', '415', '422', '429']) {
    expect(run.responses[status]?.content['application/json'].schema.$ref, status).toBe('#/components/schemas/Error');
  }
  expect(document.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);

  const cancel = document.paths['/api/tasks/{taskId}/cancel'].post;
  expect(cancel.parameters).toEqual([expect.objectContaining({ name: 'taskId', in: 'path', required: true })]);
  const exported = document.paths['/api/tasks/export'].get;
  expect(exported.parameters.map((p: { name: string }) => p.name)).toEqual(
    expect.arrayContaining(['format', 'bot_id', 'state', 'stuck']),
  );

  expect(document.security).toEqual([{}, { bearer: [] }]);
  expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });

  const metrics = await fetch(`${server.url}/api/metrics`);
  const served = metrics.headers.get('content-type')!;
  await metrics.body?.cancel();
  expect(served).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(Object.keys(document.paths['/api/metrics'].get.responses['200'].content)).toEqual([served]);
});
