import type { DatabaseSpec } from '../targets/sql/database-spec.js';
import type { TraceRunOptions } from './trace-options.js';
import type { TraceReport } from './trace-report.js';

export async function tracePostgres(spec: DatabaseSpec, options: TraceRunOptions): Promise<TraceReport> {
  throw new Error(`todo ${spec.description} ${String(options.to)}`);
}
