/**
 * The emulator's only contact with the Docker engine: the `docker` CLI on the default socket, with
 * argument arrays. One `docker inspect` per tick covers every live container.
 */
import { execFile } from 'node:child_process';

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function docker(args: string[], timeoutMs = 120_000): Promise<DockerResult> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.DOCKER_HOST;
    delete env.DOCKER_CONTEXT;
    execFile('docker', args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export interface ContainerState {
  id: string;
  running: boolean;
  exitCode: number;
  /** starting | healthy | unhealthy, or undefined without a health check. */
  health?: string;
  error?: string;
  finishedAt?: string;
}

/** States of the given containers; a container that no longer exists is absent from the map. */
export async function inspectContainers(ids: string[]): Promise<Map<string, ContainerState>> {
  const states = new Map<string, ContainerState>();
  if (ids.length === 0) return states;
  const result = await docker(['inspect', '--type', 'container', ...ids], 30_000);
  let parsed: Array<{
    Id: string;
    State: { Running: boolean; ExitCode: number; Error?: string; FinishedAt?: string; Health?: { Status: string } };
  }> = [];
  try {
    parsed = JSON.parse(result.stdout || '[]');
  } catch {
    return states;
  }
  for (const item of parsed) {
    const state: ContainerState = {
      id: item.Id,
      running: item.State.Running,
      exitCode: item.State.ExitCode,
      health: item.State.Health?.Status,
      error: item.State.Error || undefined,
      finishedAt: item.State.FinishedAt,
    };
    // Callers may hold a short id.
    for (const id of ids) if (item.Id.startsWith(id)) states.set(id, state);
  }
  return states;
}

export async function removeContainers(ids: string[]): Promise<void> {
  if (ids.length) await docker(['rm', '-f', ...ids], 60_000);
}

export async function stopContainer(id: string, graceSeconds = 2): Promise<void> {
  await docker(['stop', '-t', String(graceSeconds), id], 60_000);
}

export async function containersWithLabel(label: string): Promise<string[]> {
  const result = await docker(['ps', '-aq', '--filter', `label=${label}`], 30_000);
  return result.stdout.split('\n').filter(Boolean);
}
