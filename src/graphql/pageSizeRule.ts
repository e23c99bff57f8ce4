/**
 * Refuses a literal `first` or `last` outside the page size range with BAD_USER_INPUT and the
 * allowed range. The cost limit multiplies by the page size, so without this "first: 100000"
 * would be told that the query is too complex: withoutCostLimitAfterPageSizeRefusal keeps
 * the limits quiet for a document this rule has refused.
 */
import { GraphQLError, Kind, visit, type ValidationContext, type ValidationRule, type ASTVisitor } from 'graphql';
import { MAX_PAGE_SIZE } from '../shared/pagination';

const PAGE_SIZE_ARGUMENTS = new Set(['first', 'last']);
const refused = new WeakSet<ValidationContext>();

export function pageSizeRule(context: ValidationContext): ASTVisitor {
  visit(context.getDocument(), {
    Argument(node) {
      if (!PAGE_SIZE_ARGUMENTS.has(node.name.value) || node.value.kind !== Kind.INT) return;
      const value = Number(node.value.value);
      if (value >= 0 && value <= MAX_PAGE_SIZE) return;
      refused.add(context);
      context.reportError(
        new GraphQLError(`${node.name.value} must be a whole number from 0 to ${MAX_PAGE_SIZE}, got ${node.value.value}`, {
          nodes: [node],
          extensions: { code: 'BAD_USER_INPUT' },
        }),
      );
    },
  });
  return {};
}

/** Rules that run after pageSizeRule and stay silent when it refused the document. */
export function withoutCostLimitAfterPageSizeRefusal(rules: ValidationRule[]): ValidationRule[] {
  return rules.map((rule) => (context: ValidationContext) => (refused.has(context) ? {} : rule(context)));
}
