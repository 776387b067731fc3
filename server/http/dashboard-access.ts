/** Whether the page being rendered may show hive data: the same rule as the API, read from the request headers. */
import 'server-only';
import { headers } from 'next/headers';
import { env } from '../env';
import { isAuthorized } from './access';

export async function dashboardAuthorized(): Promise<boolean> {
  return isAuthorized(await headers(), env.HIVE_API_TOKEN);
}
