/**
 * What a caller of the bee endpoints may touch. A bee token serves the bots it was given
 * and nothing else; the operator (its token, or loopback with no tokens) serves them all.
 */
import { HiveError } from '../errors';

/** The bots a bee token serves; null for the operator. */
export type BeeScope = { bots: ReadonlySet<string>; name: string } | null;

export function requireBots(scope: BeeScope, bots: readonly string[], doing: string): void {
  if (!scope) return;
  const other = bots.filter((bot) => !scope.bots.has(bot));
  if (other.length === 0) return;
  throw new HiveError(
    'FORBIDDEN',
    `Bee token "${scope.name}" serves ${[...scope.bots].join(', ')}; it may not ${doing} for ${other.join(', ')}.`,
  );
}
