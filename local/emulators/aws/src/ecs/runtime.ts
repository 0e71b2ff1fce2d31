/**
 * The Docker task runtime: a task of a service becomes one `docker run -d --network host` per
 * container (environment, resolved secrets, entry point, command, Docker's own health check), is
 * stopped with `docker stop` and removed once STOPPED. Launch failures (secrets, image pull, start)
 * end the task as ECS reports them and are handed to the scheduler through `onLaunchFailed`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ContainerState, docker, inspectContainers, removeContainers, stopContainer } from '../docker.js';
import { type LogDriver, noLogDriver } from './awslogs.js';
import { type LoadBalancing, noLoadBalancing, targetsOf } from './load-balancing.js';
import { HostPorts } from './ports.js';
import { resolveSecrets } from './secrets-injection.js';
import type { EcsStore } from './store.js';
import type { Timing } from './timing.js';
import type { Deployment, Json, Service, Task, TaskDefinition } from './types.js';

/** Docker runs a health check at most this often here (two CPU cores run every container). */
const MIN_HEALTH_INTERVAL_MS = 250;

export class TaskRuntime {
  private readonly ports: HostPorts;
  private pendingRemovals: string[] = [];
  private readonly launches = new Set<Promise<void>>();
  private closed = false;
  /** Ends the timed waits of launches under way when the emulator closes. */
  private readonly closing = new AbortController();
  /** Called when a task ends before it ran (set by the scheduler, which counts failures). */
  onLaunchFailed: (task: Task) => void = () => {};
  /** Deregisters (and waits for draining) before a registered task's containers get SIGTERM. */
  loadBalancing: LoadBalancing = noLoadBalancing;
  /** Ships container output to CloudWatch Logs for `awslogs` containers (awslogs.ts). */
  logDriver: LogDriver = noLogDriver;

  constructor(private readonly store: EcsStore) {
    this.ports = new HostPorts(store, store.options.hostPortRange);
  }

  /** Container states of every live task that has finished launching (one `docker inspect`). */
  async inspect(): Promise<{ live: Task[]; states: Map<string, ContainerState> }> {
    const live = [...this.store.tasks.values()].filter((t) => t.lastStatus !== 'STOPPED' && !t.launching);
    const ids = live.flatMap((t) => t.containers.map((c) => c.dockerId).filter(Boolean)) as string[];
    return { live, states: await inspectContainers(ids) };
  }

  /** Removes the containers of tasks that stopped since the last call. */
  flushRemovals(): void {
    const removals = this.pendingRemovals.splice(0);
    if (removals.length) void removeContainers(removals);
  }

  /** Removes every container of the store's tasks (and those waiting for removal). */
  async removeAll(): Promise<void> {
    const ids = [...this.store.tasks.values()].flatMap((t) => t.containers.map((c) => c.dockerId)).filter(Boolean);
    await removeContainers([...(ids as string[]), ...this.pendingRemovals.splice(0)]);
  }

  /** Stops launching and waits for the launches under way. */
  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    await Promise.allSettled([...this.launches]);
    await this.logDriver.close();
  }

  /** Starts a task of the deployment; undefined when it cannot be placed (no free host port). */
  launch(service: Service, deployment: Deployment, td: TaskDefinition): Task | undefined {
    const body = td.body;
    const needsPort = body.containerDefinitions.some((c: Json) => (c.portMappings ?? []).length > 0);
    const hostPort = needsPort ? this.ports.pick(service) : undefined;
    if (needsPort && hostPort === undefined) {
      if (Date.now() - service.lastPlacementEventAt > 60_000) {
        service.lastPlacementEventAt = Date.now();
        this.store.event(
          service,
          'was unable to place a task because no container instance met all of its requirements. The closest matching container instance has already-used ports.',
        );
      }
      return undefined;
    }
    const id = randomBytes(16).toString('hex');
    const task: Task = {
      arn: this.store.arn('task', `${service.cluster}/${id}`),
      id,
      cluster: service.cluster,
      service: service.name,
      taskDefinitionArn: td.arn,
      startedBy: deployment.id,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      launching: true,
      createdAt: Date.now(),
      version: 1,
      cpu: body.cpu,
      memory: body.memory,
      containers: body.containerDefinitions.map((c: Json, index: number) => ({
        name: c.name,
        image: c.image,
        essential: c.essential !== false,
        hasHealthCheck: Array.isArray(c.healthCheck?.command) && c.healthCheck.command.length > 0,
        lastStatus: 'PENDING',
        healthStatus: 'UNKNOWN',
        networkBindings: (c.portMappings ?? []).map((p: Json, i: number) => ({
          bindIP: '0.0.0.0',
          containerPort: p.containerPort,
          hostPort: index === 0 && i === 0 ? hostPort : (p.hostPort ?? p.containerPort),
          protocol: p.protocol ?? 'tcp',
        })),
      })),
    };
    if (body.networkMode === 'awsvpc') task.eni = newEni(service.networkConfiguration);
    // The first port mapping of the task gets the allotted host port, whichever container has it.
    const first = task.containers.find((c) => c.networkBindings.length > 0);
    if (first && hostPort !== undefined) first.networkBindings[0]!.hostPort = hostPort;
    this.start(task, td, hostPort);
    return task;
  }

  /** Stores the task and launches its containers from `td` (RunTask passes one with its overrides). */
  start(task: Task, td: TaskDefinition, hostPort: number | undefined): void {
    this.store.tasks.set(task.id, task);
    const launching = this.startContainers(task, td, hostPort);
    this.launches.add(launching);
    void launching.finally(() => this.launches.delete(launching));
  }

  private async startContainers(task: Task, td: TaskDefinition, hostPort: number | undefined): Promise<void> {
    const timing = this.store.timingOf(task.cluster);
    // PROVISIONING (capacity, the ENI), then PENDING (the image pull), as long as the profile says.
    if (!(await this.wait(timing.provisioningMs))) return;
    task.lastStatus = 'PENDING';
    task.version++;
    if (!(await this.wait(timing.pullMs))) return;
    if (stopRequested(task)) {
      task.launching = false;
      this.markStopped(task);
      return;
    }
    const defs = td.body.containerDefinitions as Json[];
    // Every container's secrets are fetched, and its log stream made, before any container starts.
    const secrets = resolveSecrets(defs, this.store.options.resolveSecret);
    if ('reason' in secrets) return this.failLaunch(task, secrets.reason);
    for (const def of defs) {
      const problem = this.logDriver.prepare(task, def);
      if (problem) return this.failLaunch(task, problem);
    }
    const temp = mkdtempSync(join(tmpdir(), 'aws-emulator-'));
    try {
      for (const [index, def] of defs.entries()) {
        const container = task.containers[index]!;
        const env: string[] = [];
        for (const e of def.environment ?? []) env.push(`${e.name}=${e.value ?? ''}`);
        env.push(...secrets.env[index]!);
        if (container.networkBindings.length && container.networkBindings[0]!.hostPort === hostPort && hostPort) {
          env.push(`PORT=${hostPort}`);
        }
        const envFile = join(temp, `${index}.env`);
        writeFileSync(envFile, env.map((line) => line.replace(/\n/g, ' ')).join('\n'), { mode: 0o600 });
        const args = [
          'run',
          '-d',
          '--network',
          'host',
          '--name',
          `ecs-${task.cluster}-${task.service ?? task.group}-${task.id.slice(0, 12)}-${def.name}`.replace(
            /[^A-Za-z0-9_.-]/g,
            '-',
          ),
          '--label',
          this.store.options.instanceLabel,
          '--label',
          `org.deploy-actions.ecs-task=${task.arn}`,
          '--env-file',
          envFile,
        ];
        args.push(...this.healthArgs(def.healthCheck, timing));
        const entryPoint: string[] = def.entryPoint ?? [];
        if (entryPoint.length) args.push('--entrypoint', entryPoint[0]!);
        if (def.workingDirectory) args.push('--workdir', def.workingDirectory);
        if (def.user) args.push('--user', def.user);
        args.push(def.image, ...entryPoint.slice(1), ...(def.command ?? []));
        const result = await docker(args, 300_000);
        if (result.code !== 0) {
          const lines = result.stderr
            .trim()
            .split('\n')
            .filter((l) => l && !l.startsWith("Run 'docker run --help'"));
          const detail = lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? `docker run exited with ${result.code}`;
          const pull = /pull|manifest|not found|unknown|denied|repository/i.test(detail);
          return this.failLaunch(
            task,
            pull
              ? `CannotPullContainerError: pull image manifest has been retried 1 time(s): ${detail}`
              : `CannotStartContainerError: ${detail}`,
          );
        }
        container.dockerId = result.stdout.trim().slice(0, 64);
        container.lastStatus = 'PENDING';
        this.logDriver.attach(task, def, container.dockerId);
        if (this.closed) void removeContainers([container.dockerId]);
      }
      task.launching = false;
      if (stopRequested(task)) {
        const { stoppedReason = 'Task stopped', stopCode = 'ServiceSchedulerInitiated' } = task;
        task.desiredStatus = 'RUNNING';
        this.requestStop(task, stoppedReason, stopCode);
      }
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  }

  /** Waits `ms`; false when the emulator closed meanwhile. */
  private async wait(ms: number): Promise<boolean> {
    if (ms > 0) await sleep(ms, undefined, { signal: this.closing.signal }).catch(() => undefined);
    return !this.closed;
  }

  private failLaunch(task: Task, reason: string): void {
    task.launching = false;
    task.stoppedReason = reason;
    task.stopCode = 'TaskFailedToStart';
    for (const c of task.containers) {
      if (!c.dockerId) c.reason = reason.split(':')[0];
    }
    this.markStopped(task);
    const service = this.store.serviceOf(task);
    // ECS reports a task that could not start as a placement failure event, with its reason.
    if (service) this.store.event(service, `was unable to place a task. Reason: ${reason}`);
    this.onLaunchFailed(task);
  }

  /** The task definition's healthCheck as Docker's own health check (run inside the container). */
  private healthArgs(healthCheck: Json | undefined, timing: Timing): string[] {
    const command: string[] | undefined = healthCheck?.command;
    if (!Array.isArray(command) || command.length === 0 || command[0] === 'NONE') return [];
    const [kind, ...rest] = command;
    const shell = kind === 'CMD-SHELL' ? rest.join(' ') : (kind === 'CMD' ? rest : command).map(shellQuote).join(' ');
    const cap = this.store.options.healthIntervalCapMs;
    // The interval and start period follow the profile (and the cap); the timeout stays as given,
    // because the check command takes real time whatever the profile.
    const interval = Math.max(MIN_HEALTH_INTERVAL_MS, Math.min(timing.seconds(healthCheck?.interval ?? 30), cap));
    const startPeriod = Math.min(timing.seconds(healthCheck?.startPeriod ?? 0), cap * 10);
    return [
      '--health-cmd',
      shell,
      '--health-interval',
      `${interval}ms`,
      '--health-timeout',
      `${(healthCheck?.timeout ?? 5) * 1000}ms`,
      '--health-retries',
      String(healthCheck?.retries ?? 3),
      '--health-start-period',
      `${startPeriod}ms`,
    ];
  }

  /** The task is STOPPED: its containers are removed on the next flush. */
  markStopped(task: Task): void {
    const now = Date.now();
    task.lastStatus = 'STOPPED';
    task.desiredStatus = 'STOPPED';
    task.stoppingAt ??= now;
    task.stoppedAt = now;
    task.healthStatus = 'UNKNOWN';
    task.version++;
    for (const c of task.containers) {
      c.lastStatus = 'STOPPED';
      if (c.dockerId) this.pendingRemovals.push(c.dockerId);
    }
  }

  /** Desired status STOPPED with its reason; the containers get `docker stop`. */
  requestStop(task: Task, reason: string, stopCode: string): void {
    if (task.desiredStatus === 'STOPPED') return;
    task.desiredStatus = 'STOPPED';
    task.stoppedReason = reason;
    task.stopCode = stopCode;
    task.stoppingAt = Date.now();
    task.version++;
    if (task.launching) return; // stopped when the launch finishes
    const ids = task.containers.map((c) => c.dockerId).filter(Boolean) as string[];
    if (ids.length === 0) {
      this.markStopped(task);
      return;
    }
    const grace = this.stopGraceSeconds(task);
    void this.drain(task)
      .then(() => Promise.all(ids.map((id) => stopContainer(id, grace))))
      .then(() => inspectContainers(ids))
      .then((states) => {
        if (task.lastStatus === 'STOPPED') return;
        // The exit code the container really had: 0 for an app that exits on SIGTERM, 137 after SIGKILL.
        for (const c of task.containers) {
          const state = c.dockerId ? states.get(c.dockerId) : undefined;
          if (state && !state.running) c.exitCode = state.exitCode;
        }
        this.markStopped(task);
      });
  }

  /**
   * SIGTERM to SIGKILL: the container definition's stopTimeout (seconds), else ECS's default of 30 s,
   * both under the cluster's profile; whole seconds, at least 1, as `docker stop -t` takes them.
   */
  private stopGraceSeconds(task: Task): number {
    const timing = this.store.timingOf(task.cluster);
    const td = this.store.findTaskDefinition(task.taskDefinitionArn);
    const given = (td?.body.containerDefinitions as Json[] | undefined)
      ?.map((c) => c.stopTimeout)
      .filter((v): v is number => typeof v === 'number');
    const ms = given?.length ? timing.seconds(Math.max(...given)) : timing.stopTimeoutMs;
    return Math.max(1, Math.round(ms / 1000));
  }

  /** Takes a registered task out of its target groups; resolves when draining is over. */
  private async drain(task: Task): Promise<void> {
    const service = this.store.serviceOf(task);
    if (!task.registered || !service) return;
    task.registered = false;
    await Promise.all(
      targetsOf(service, task).map((target) =>
        this.loadBalancing
          .deregister(service, target)
          .catch((error) => console.error(`[aws-emulator] deregistering ${task.id}: ${error}`)),
      ),
    );
  }

  /** Test hook: kill the running containers of the given tasks (a crash from outside). */
  async kill(tasks: Task[]): Promise<number> {
    const ids = tasks.flatMap((t) => t.containers.map((c) => c.dockerId).filter(Boolean)) as string[];
    if (ids.length) await docker(['kill', ...ids], 30_000);
    return ids.length;
  }
}

/** Read through a function: a stop may be requested while a launch awaits (no narrowing). */
function stopRequested(task: Task): boolean {
  return task.desiredStatus === 'STOPPED';
}

/** An ENI in one of the configured subnets with a private IP of 10.0.0.0/16 (awsvpc tasks). */
export function newEni(networkConfiguration: Json | undefined): NonNullable<Task['eni']> {
  const [a = 0, b = 0, ...mac] = randomBytes(8);
  return {
    attachmentId: randomUUID(),
    id: `eni-${randomBytes(9).toString('hex').slice(0, 17)}`,
    privateIp: `10.0.${a % 256}.${(b % 254) + 1}`,
    mac: ['0a', ...mac.slice(0, 5).map((x) => x.toString(16).padStart(2, '0'))].join(':'),
    subnet: networkConfiguration?.awsvpcConfiguration?.subnets?.[0] ?? 'subnet-00000000',
  };
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
