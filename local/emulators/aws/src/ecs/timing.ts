/**
 * How long things take in the ECS emulator: a timing profile, chosen per cluster.
 *
 * `realistic` uses AWS's documented figures where there are any and stated estimates otherwise
 * (listed in the README); `fast` is the same profile with every duration x0.05, for tests. The
 * decisions ECS makes (and so deploy-ecs's) must not depend on the profile, only how long they take.
 *
 * Choice, first match wins: the cluster's tags `emulator:profile` (`fast` | `realistic`) and
 * `emulator:time-scale` (a factor applied on top, e.g. 0.25), then the emulator process's
 * `AWS_EMULATOR_ECS_PROFILE` / `AWS_EMULATOR_ECS_TIME_SCALE` (main.ts sets them from
 * `--ecs-profile` / `--ecs-time-scale`), then `fast` inside a test runner (JEST_WORKER_ID is set:
 * tests must use the fast profile) and `realistic` everywhere else.
 */
import { invalidParameter } from '../errors.js';
import type { Tag } from './types.js';

export const PROFILE_TAG = 'emulator:profile';
export const TIME_SCALE_TAG = 'emulator:time-scale';
const PROFILES = { realistic: 1, fast: 0.05 } as const;
export type ProfileName = keyof typeof PROFILES;

/** Realistic durations in milliseconds (x1). */
const REALISTIC = {
  /** PROVISIONING -> PENDING: Fargate capacity and the task's ENI (estimate: 10 s). */
  provisioningMs: 10_000,
  /** PENDING: image pull before the container starts (estimate for a small image: 5 s). */
  pullMs: 5_000,
  /**
   * A task without a container health check counts toward minimumHealthyPercent 40 s after it is
   * RUNNING (ECS developer guide, "Deploy Amazon ECS services by replacing tasks": "If a task has no
   * essential container with a health check defined, the service scheduler will wait for 40
   * seconds after a task reaches a RUNNING state before the task is counted").
   */
  noHealthCheckMs: 40_000,
  /**
   * Service scheduler throttle between relaunches of a failing service: the first relaunch after
   * `relaunchBaseMs`, doubling per consecutive failure up to `relaunchMaxMs` (estimates: ECS documents
   * that it slows launch attempts of tasks that keep failing, not the figures).
   */
  relaunchBaseMs: 15_000,
  relaunchMaxMs: 15 * 60_000,
  /** SIGTERM -> SIGKILL when the container definition has no stopTimeout (documented: 30 s). */
  stopTimeoutMs: 30_000,
  /** STOPPING -> STOPPED after the containers exited: ENI release, deprovisioning (estimate: 15 s). */
  deprovisioningMs: 15_000,
};

export interface Timing {
  readonly name: ProfileName;
  readonly scale: number;
  readonly provisioningMs: number;
  readonly pullMs: number;
  readonly noHealthCheckMs: number;
  readonly stopTimeoutMs: number;
  readonly deprovisioningMs: number;
  /** Wait before the next launch after `failures` consecutive failures of the service. */
  relaunchDelayMs(failures: number): number;
  /** A duration the task definition or service gives in seconds (health check, grace period). */
  seconds(value: number): number;
}

export function timing(name: ProfileName, extraScale = 1): Timing {
  const scale = PROFILES[name] * extraScale;
  const ms = (value: number) => Math.round(value * scale);
  return {
    name,
    scale,
    provisioningMs: ms(REALISTIC.provisioningMs),
    pullMs: ms(REALISTIC.pullMs),
    noHealthCheckMs: ms(REALISTIC.noHealthCheckMs),
    stopTimeoutMs: ms(REALISTIC.stopTimeoutMs),
    deprovisioningMs: ms(REALISTIC.deprovisioningMs),
    relaunchDelayMs: (failures) =>
      failures <= 0 ? 0 : ms(Math.min(REALISTIC.relaunchBaseMs * 2 ** (failures - 1), REALISTIC.relaunchMaxMs)),
    seconds: (value) => ms(value * 1000),
  };
}

function parseProfile(value: string | undefined, where: string): ProfileName | undefined {
  if (value === undefined || value === '') return undefined;
  if (value in PROFILES) return value as ProfileName;
  throw invalidParameter(`${where}: "${value}" is not a timing profile; expected fast or realistic.`);
}

function parseScale(value: string | undefined, where: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 100) {
    throw invalidParameter(`${where}: "${value}" is not a time scale; expected a number above 0, at most 100.`);
  }
  return scale;
}

/** The profile of a cluster with these tags (throws InvalidParameterException on a bad tag). */
export function timingFor(tags: Tag[], env: NodeJS.ProcessEnv = process.env): Timing {
  const tag = (key: string) => tags.find((t) => t.key === key)?.value;
  const name =
    parseProfile(tag(PROFILE_TAG), `Tag ${PROFILE_TAG}`) ??
    parseProfile(env.AWS_EMULATOR_ECS_PROFILE, 'AWS_EMULATOR_ECS_PROFILE') ??
    (env.JEST_WORKER_ID ? 'fast' : 'realistic');
  const scale =
    parseScale(tag(TIME_SCALE_TAG), `Tag ${TIME_SCALE_TAG}`) ??
    parseScale(env.AWS_EMULATOR_ECS_TIME_SCALE, 'AWS_EMULATOR_ECS_TIME_SCALE') ??
    1;
  return timing(name, scale);
}
