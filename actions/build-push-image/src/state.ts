/**
 * What the main step hands the post step (logout and cleanup), through the runner's step state
 * (`GITHUB_STATE` in main, `STATE_<key>` in post). Each key is defined once, here; main and post
 * read and write it only through these functions.
 */
import * as core from '@actions/core';

const KEYS = {
  /** The step's own DOCKER_CONFIG directory (credentials live there, never in ~/.docker). */
  dockerConfig: 'docker-config',
  /** The registries the step logged in to, as a JSON array. */
  registries: 'registries',
} as const;

export const saveDockerConfig = (dir: string): void => core.saveState(KEYS.dockerConfig, dir);
/** The docker configuration directory, or undefined when the main step did not create one. */
export const readDockerConfig = (): string | undefined => core.getState(KEYS.dockerConfig) || undefined;

export const saveRegistries = (registries: string[]): void =>
  core.saveState(KEYS.registries, JSON.stringify(registries));
export const readRegistries = (): string[] => JSON.parse(core.getState(KEYS.registries) || '[]') as string[];
