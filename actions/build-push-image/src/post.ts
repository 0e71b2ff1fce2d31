import { existsSync, rmSync } from 'node:fs';
import * as core from '@actions/core';
import { runAction } from '../../../shared/action.js';
import { errorMessage } from '../../../shared/errors.js';
import { exec } from '../../../shared/exec.js';
import { info } from '../../../shared/log.js';
import { readDockerConfig, readRegistries } from './state.js';

/** Logs out of every registry the main step logged in to and removes its docker configuration. */
await runAction(async () => {
  const dockerConfig = readDockerConfig();
  if (!dockerConfig || !existsSync(dockerConfig)) {
    info('nothing to clean up');
    return;
  }
  for (const registry of readRegistries()) {
    try {
      await exec('docker', ['logout', registry], { env: { DOCKER_CONFIG: dockerConfig }, stream: false });
      info(`logged out of ${registry}`);
    } catch (error) {
      core.warning(`docker logout ${registry}: ${errorMessage(error)}`);
    }
  }
  rmSync(dockerConfig, { recursive: true, force: true });
  info(`removed the docker configuration ${dockerConfig}`);
});
