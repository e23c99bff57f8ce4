/**
 * Limits that stop abusive documents before they run: depth, aliases, cost, directives and
 * tokens (graphql-armor). The defaults let every documented query through and stop nested
 * or aliased bombs, which answer QUERY_TOO_COMPLEX.
 */
import { ApolloArmor } from '@escape.tech/graphql-armor';

export const QUERY_LIMITS = {
  maxDepth: 10,
  maxAliases: 15,
  maxCost: 20_000,
  maxDirectives: 20,
  maxTokens: 5_000,
};

export function queryLimits() {
  return new ApolloArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth, flattenFragments: true },
    maxAliases: { n: QUERY_LIMITS.maxAliases },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5 },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives },
    // Tokens are limited by the parser itself (parseOptions), which keeps parse errors 400s.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect();
}

/** graphql-armor reports its refusals as "Syntax Error: … limit …" messages (they are not syntax errors). */
export function isQueryLimitError(message: string): boolean {
  return /^Syntax Error: (Query depth limit|Aliases limit|Query Cost limit|Directives limit|Token limit)/i.test(message) || /Document contains more th(?:an|at) \d+ tokens/.test(message);
}

/** A limit refusal's message without graphql-armor's misleading "Syntax Error: " prefix. */
export function queryLimitMessage(message: string): string {
  return message.replace(/^Syntax Error: /, '');
}
