/** GET /api/openapi.json: the REST API described in OpenAPI 3.1, generated from the REST table. */
import { openApiDocument } from '@/server/http/openapi';
import { apiRoute, json } from '@/server/http/respond';

export const GET = apiRoute(() => json(openApiDocument()));
