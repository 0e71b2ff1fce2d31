/**
 * Host ports for tasks: the engine has no bridge network, so each task's first port mapping gets
 * its own host port, from the service's pinned list (tag `emulator:host-ports`) or from the range.
 */
import { invalidParameter } from '../errors.js';
import type { EcsStore } from './store.js';
import type { Service } from './types.js';

export const HOST_PORTS_TAG = 'emulator:host-ports';

/** The service's pinned host ports (empty without the tag); a malformed tag is rejected. */
export function pinnedHostPorts(service: Service): number[] {
  const tag = service.tags.find((t) => t.key === HOST_PORTS_TAG)?.value;
  if (!tag) return [];
  const ports = tag
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
  if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw invalidParameter(`Tag ${HOST_PORTS_TAG} must list port numbers separated by spaces or commas.`);
  }
  return ports;
}

export class HostPorts {
  private nextAllotted = 0;

  constructor(
    private readonly store: EcsStore,
    private readonly range: [number, number],
  ) {}

  private inUse(): Set<number> {
    const used = new Set<number>();
    for (const t of this.store.tasks.values()) {
      if (t.lastStatus === 'STOPPED') continue;
      for (const c of t.containers) for (const b of c.networkBindings) used.add(b.hostPort);
    }
    return used;
  }

  /** A free host port: from the service's pinned list when it has one, else from the range. */
  pick(service: Service): number | undefined {
    const used = this.inUse();
    const pinned = pinnedHostPorts(service);
    if (pinned.length) return pinned.find((p) => !used.has(p));
    const [low, high] = this.range;
    const size = high - low + 1;
    for (let i = 0; i < size; i++) {
      const port = low + ((this.nextAllotted + i) % size);
      if (!used.has(port)) {
        this.nextAllotted = (this.nextAllotted + i + 1) % size;
        return port;
      }
    }
    return undefined;
  }
}
