/** SIGKILL at random moments of `strata migrate` on SQLite and PostgreSQL: see fault-injection.ts. */
import { describeKillTrials } from './fault-injection.js';

await describeKillTrials(['sqlite', 'postgres']);
