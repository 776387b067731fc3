/**
 * The one tRPC kernel. HiveErrors thrown by the core become tRPC errors with the code
 * from the shared error table; zod and core field errors reach the client as `data.fields`.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { describeIssues, fieldErrors } from '../contracts/issues';
import { ERROR_TABLE, HiveError } from '../core/errors';
import type { TRPCContext } from './context';

const t = initTRPC.context<TRPCContext>().create({
  sse: {
    ping: { enabled: true, intervalMs: 2_000 },
    client: { reconnectAfterInactivityMs: 6_000 },
  },
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const fields = cause instanceof ZodError ? fieldErrors(cause) : HiveError.is(cause) ? (cause.fields ?? null) : null;
    const internal = error.code === 'INTERNAL_SERVER_ERROR' && !HiveError.is(cause);
    const message = internal
      ? 'Internal error; the server log has the details.'
      : cause instanceof ZodError
        ? `Invalid input: ${describeIssues(cause)}`
        : shape.message;
    return {
      ...shape,
      message,
      data: { ...shape.data, fields, stack: undefined },
    };
  },
});

const hiveErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && HiveError.is(result.error.cause)) {
    const cause = result.error.cause;
    return { ...result, error: new TRPCError({ code: ERROR_TABLE[cause.code].trpc, message: cause.message, cause }) };
  }
  return result;
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(hiveErrors);
