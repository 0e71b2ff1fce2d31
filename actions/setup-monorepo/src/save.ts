import { delimiter } from 'node:path';
import * as core from '@actions/core';
import { errorMessage } from '../../../shared/errors.js';
import { exec } from '../../../shared/exec.js';
import { choice, parseInputs, type ReadInput } from '../../../shared/inputs.js';
import { group, info } from '../../../shared/log.js';
import { makeBackend, type SaveOutcome, saveOne } from './caches.js';
import { writeSaveSummary } from './report.js';
import { mainFinished, readPostState } from './state.js';

/** The post step's one input: action.yml defaults it to `${{ job.status }}`. */
export const getPostInputs = (read?: ReadInput) =>
  parseInputs({ jobStatus: choice(['success', 'failure', 'cancelled'] as const, { default: 'success' }) }, read);

/**
 * The post step: saves every cache whose exact key missed, after `pnpm store prune`. Nothing is saved
 * from a fork pull request, or after a failed job unless save-on-failure is true. The job's status
 * reaches the post step through the `job-status` input (default `${{ job.status }}`); a main step
 * that did not finish counts as a failure too.
 */
export async function save(): Promise<void> {
  const state = readPostState();
  if (!state) {
    info('setup-monorepo did not get as far as planning its caches: nothing to save');
    return;
  }
  if (!state.backend) return;
  if (!state.saveAllowed) {
    info(`not saving caches: ${state.saveBlockedReason ?? 'saving is disabled'}`);
    await writeSaveSummary([], `Not saved: ${state.saveBlockedReason ?? 'saving is disabled'}.`);
    return;
  }
  const { jobStatus } = getPostInputs();
  const failed = jobStatus !== 'success' || !mainFinished();
  if (failed && !state.saveOnFailure) {
    info(`not saving caches: the job did not succeed (job-status ${jobStatus}) and save-on-failure is false`);
    return;
  }
  process.env.PATH = [...state.pathDirs, process.env.PATH].filter(Boolean).join(delimiter);
  const backend = makeBackend(state.backend);
  const saves: SaveOutcome[] = [];
  await group('Save caches', async () => {
    for (const cache of state.caches) {
      if (cache.hit === 'exact' || cache.hit === 'skipped') {
        info(`${cache.id}: ${cache.hit === 'exact' ? 'restored on its exact key' : 'not used this run'}: not saving`);
        continue;
      }
      if (cache.id === 'pnpm-store') {
        try {
          await exec(state.pnpm, ['store', 'prune'], { cwd: state.cwd, stream: false });
        } catch (error) {
          core.warning(`pnpm store prune failed, saving the store as it is: ${errorMessage(error)}`);
        }
      }
      saves.push(await saveOne(backend, cache));
    }
  });
  await writeSaveSummary(saves, failed ? 'The job failed; saved because save-on-failure is true.' : undefined);
}
