/**
 * Each job runs on a fresh machine, as on GitHub-hosted runners: an empty workspace (filled only by
 * the job's own checkout) and a tool cache that starts as the runner image's (RunOptions.toolCache,
 * linked, not shared: what a job installs there is gone with the job). Removed when the job ends;
 * only caches, outputs and artifacts reach another job.
 */
import { copyFileSync, linkSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface Machine {
  workspace: string;
  toolCache: string;
  temp: string;
}

export function freshMachine(dir: string, imageToolCache: string | undefined): Machine {
  const machine = { workspace: join(dir, 'workspace'), toolCache: join(dir, 'tool-cache'), temp: join(dir, 'temp') };
  for (const path of Object.values(machine)) mkdirSync(path, { recursive: true });
  if (imageToolCache) linkTree(imageToolCache, machine.toolCache);
  return machine;
}

/** The machine is discarded; the job's log (beside it) stays. */
export function discardMachine(machine: Machine): void {
  for (const path of Object.values(machine)) rmSync(path, { recursive: true, force: true });
}

/** Hard links of every file under `from` (copies across file systems), so a seed costs no disk. */
function linkTree(from: string, to: string): void {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(from, { withFileTypes: true });
  } catch {
    return; // no image tools yet
  }
  for (const entry of entries) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      mkdirSync(target, { recursive: true });
      linkTree(source, target);
    } else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
      }
    }
  }
}
