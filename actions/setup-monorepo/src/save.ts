import { delimiter } from 'node:path';
import * as core from '@actions/core';
import { errorMessage } from '../../../shared/errors.js';
import { exec } from '../../../shared/exec.js';
import { group, info } from '../../../shared/log.js';
import { makeBackend, type SaveOutcome, saveOne } from './caches.js';
import type { PostState } from './main.js';
import { writeSaveSummary } from './report.js';

/**
 * The post step: saves every cache whose exact key missed, after `pnpm store prune`. Nothing is saved
 * from a fork pull request, or after a failed job unless save-on-failure is true. The job's status
 * reaches the post step through the `job-status` input (default `${{ job.status }}`); a main step
 * that did not finish counts as a failure too.
 */
export async function save(): Promise<void> {
  const raw = core.getState('setup');
  if (!raw) {
    info('setup-monorepo did not get as far as planning its caches: nothing to save');
    return;
  }
  const state = JSON.parse(raw) as PostState;
  if (!state.backend) return;
  if (!state.saveAllowed) {
    info(`not saving caches: ${state.saveBlockedReason ?? 'saving is disabled'}`);
    await writeSaveSummary([], `Not saved: ${state.saveBlockedReason ?? 'saving is disabled'}.`);
    return;
  }
  const jobStatus = (core.getInput('job-status') || 'success').toLowerCase();
  const failed = jobStatus !== 'success' || core.getState('main-ok') !== 'true';
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
