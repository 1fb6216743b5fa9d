/** Entry module of a job's worker thread: runs the one job described by workerData. */
import { parentPort, workerData } from 'node:worker_threads';
import { runJob } from './worker-job';
import type { WorkerJob } from './types';

if (!parentPort) throw new Error('worker-entry must run in a worker thread');
void runJob(workerData as WorkerJob, parentPort);
