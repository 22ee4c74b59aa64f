/** SIGKILL at random moments of `strata migrate` on MariaDB: see fault-injection.ts. */
import { describeKillTrials } from './fault-injection.js';

await describeKillTrials(['mariadb']);
