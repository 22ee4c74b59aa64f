/**
 * The Standard Schema interface (standardschema.dev), which zod, valibot and arktype implement.
 * Declared here rather than imported: it is a types-only contract meant to be copied, and the
 * document core has no dependencies.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

export type StandardResult<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<StandardIssue> };

export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** `sessions.abc.createdAt: Required`, or `(root): ...` for an issue about the whole value. */
export function describeIssues(issues: ReadonlyArray<StandardIssue>): string[] {
  return issues.map((issue) => {
    const path = (issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part)).join('.');
    return `${path || '(root)'}: ${issue.message}`;
  });
}
