/** Job runner types the API layer uses (re-exported so handlers import from one place). */
export type { RunRecord } from '../store';
export type { StartOptions } from '../jobs';
