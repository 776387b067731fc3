/** The routing table's shape (also the format of `.deia/routing.json`) and a routing decision. */
import { z } from 'zod';

const token = (field: string) =>
  z
    .string({ error: `${field} must be a string` })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, `${field} must be a short token (letters, digits, . _ -)`);

export const RouteTargetSchema = z.strictObject({
  lane: token('lane'),
  provider: token('provider'),
  delivery: token('delivery'),
});

export const RoutingRuleSchema = RouteTargetSchema.extend({
  name: token('name'),
  intents: z.array(z.string().trim().min(1).max(64)).min(1, 'a rule needs at least one intent'),
});

export const RoutingTableSchema = z
  .strictObject({
    rules: z.array(RoutingRuleSchema),
    fallback: RouteTargetSchema,
  })
  .superRefine((table, ctx) => {
    const seenIntents = new Map<string, string>();
    const seenNames = new Set<string>();
    table.rules.forEach((rule, index) => {
      if (seenNames.has(rule.name)) {
        ctx.addIssue({ code: 'custom', path: ['rules', index, 'name'], message: `duplicate rule name "${rule.name}"` });
      }
      seenNames.add(rule.name);
      for (const intent of rule.intents) {
        const key = intent.toLowerCase();
        const owner = seenIntents.get(key);
        if (owner) {
          ctx.addIssue({
            code: 'custom',
            path: ['rules', index, 'intents'],
            message: `intent "${intent}" is already routed by rule "${owner}"`,
          });
        }
        seenIntents.set(key, rule.name);
      }
    });
  });

export type RouteTarget = z.infer<typeof RouteTargetSchema>;
export type RoutingRule = z.infer<typeof RoutingRuleSchema>;
export type RoutingTable = z.infer<typeof RoutingTableSchema>;

/** Where the table in force came from: the built-in default or the operator's file. */
export const RoutingSourceSchema = z.enum(['default', '.deia/routing.json']);
export type RoutingSource = z.infer<typeof RoutingSourceSchema>;

/** Why a task went where it went: the rule that fired (or "fallback") and its table. */
export const RouteProvenanceSchema = z.object({
  rule: z.string(),
  source: RoutingSourceSchema,
});

export const RouteDecisionSchema = RouteTargetSchema.extend(RouteProvenanceSchema.shape);
export type RouteDecision = z.infer<typeof RouteDecisionSchema>;
