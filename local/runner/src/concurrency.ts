/**
 * `concurrency:` groups (GitHub docs, "Control the concurrency of workflows and jobs"): at most one
 * running and one pending member per group; a newer member replaces (cancels) the pending one, and
 * with `cancel-in-progress: true` also cancels the running one. Groups are shared by every run in
 * this process (workflow-level and job-level, top and called workflows alike), so concurrent runs of
 * a caller and of the workflows it calls contend for the same group names.
 */
import type { Json } from './expressions.js';
import { WorkflowError } from './workflow.js';

export interface ConcurrencySpec {
  group: string;
  cancelInProgress: boolean;
  /** Groups are a repository's: the same name in another repository is another group. */
  repository: string;
}

/** `concurrency: <group>` or `{ group, cancel-in-progress }`, evaluated; bad values are named. */
export function parseConcurrency(value: Json, where: string, repository: string): ConcurrencySpec {
  if (typeof value === 'string' && value) return { group: value, cancelInProgress: false, repository };
  if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.group === 'string' && value.group) {
    const cancel = value['cancel-in-progress'];
    return { group: value.group, cancelInProgress: cancel === true || cancel === 'true', repository };
  }
  throw new WorkflowError(
    `${where}: concurrency: ${JSON.stringify(value)} is not valid; expected a group name or { group, cancel-in-progress }`,
  );
}

interface Member {
  label: string;
  /** Stops the member while it runs (cancel-in-progress from a newer member). */
  cancel: () => void;
  /** Settles a pending member: admitted (true) or replaced (false). */
  admit?: (admitted: boolean) => void;
}

/** A held place in a group: release it when the workflow or job is done. */
export type Admission = { admitted: true; release: () => void } | { admitted: false };

export class ConcurrencyGroups {
  private readonly groups = new Map<string, { running?: Member; pending?: Member }>();

  /**
   * Joins `spec.group` as `label`: resolves when it may run, or with `admitted: false` when a newer
   * member replaced it while it was pending. `cancel` is called if a newer member cancels it running.
   * `note` tells what happened to others (a pending member replaced, a running one cancelled).
   */
  join(spec: ConcurrencySpec, label: string, cancel: () => void, note: (line: string) => void): Promise<Admission> {
    // Group names are case-insensitive (GitHub docs, "Control the concurrency of workflows and jobs").
    const key = `${spec.repository.toLowerCase()}\0${spec.group.toLowerCase()}`;
    const state = this.groups.get(key) ?? {};
    this.groups.set(key, state);
    const member: Member = { label, cancel };
    const release = () => {
      if (state.running !== member) return;
      state.running = state.pending;
      state.pending = undefined;
      if (state.running) state.running.admit?.(true);
      else this.groups.delete(key);
    };
    if (!state.running) {
      state.running = member;
      return Promise.resolve({ admitted: true, release });
    }
    if (state.pending) {
      note(`concurrency group ${spec.group}: ${state.pending.label} (pending) is cancelled by ${label}`);
      state.pending.admit?.(false);
    }
    if (spec.cancelInProgress) {
      note(
        `concurrency group ${spec.group}: ${state.running.label} (running) is cancelled by ${label} (cancel-in-progress)`,
      );
      state.running.cancel();
    } else note(`concurrency group ${spec.group}: ${label} waits for ${state.running.label}`);
    state.pending = member;
    return new Promise((resolve) => {
      member.admit = (admitted) => resolve(admitted ? { admitted: true, release } : { admitted: false });
    });
  }
}

/** The groups of every run in this process. */
export const GROUPS = new ConcurrencyGroups();
