/** The REST side of the server, for what tRPC does not carry: exports, streamed as they arrive. */
import { restError, toCliError } from './errors';

/** GETs `path` from the server (with the API token, if any); a reply that is not 2xx throws a CliError. */
export async function restGet(
  url: string,
  path: string,
  token: string | undefined = process.env.HIVE_API_TOKEN || undefined,
): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  } catch (err) {
    throw toCliError(err, url);
  }
  if (!res.ok) throw await restError(res, url);
  return res;
}
