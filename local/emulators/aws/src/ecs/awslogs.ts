/**
 * The `awslogs` log driver: a container whose `logConfiguration.logDriver` is `awslogs` has its
 * stdout and stderr stored as CloudWatch Logs events, one per line, in `awslogs-group`, stream
 * `<awslogs-stream-prefix>/<container-name>/<task-id>` (the container's id without a prefix, as on
 * EC2). `awslogs-create-group: "true"` creates a missing group; otherwise the task fails before
 * its containers start, with the stopped reason Fargate gives (ECS developer guide, "Send Amazon
 * ECS logs to CloudWatch" and "Troubleshoot ResourceInitializationError errors").
 * The lines are read with `docker logs --follow --timestamps` (Docker's own capture), so each event
 * keeps the time the container wrote it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Json, Task } from './types.js';

/** What the driver needs of CloudWatch Logs (src/logs.ts). */
export interface LogsBackend {
  hasGroup(name: string): boolean;
  createGroup(name: string): void;
  createStream(group: string, stream: string): void;
  append(group: string, stream: string, timestamp: number, message: string): void;
}

/** The seam the runtime calls: before a container starts, and once it has an id. */
export interface LogDriver {
  /** Creates the group (if asked) and the stream; a stopped reason when the task cannot log. */
  prepare(task: Task, def: Json): string | undefined;
  attach(task: Task, def: Json, dockerId: string): void;
  close(): Promise<void>;
}

export const noLogDriver: LogDriver = { prepare: () => undefined, attach: () => {}, close: async () => {} };

export function streamName(task: Task, def: Json, dockerId?: string): string {
  const prefix = def.logConfiguration?.options?.['awslogs-stream-prefix'];
  return prefix ? `${prefix}/${def.name}/${task.id}` : (dockerId ?? task.id);
}

export class AwsLogsDriver implements LogDriver {
  private readonly followers = new Set<ChildProcess>();

  constructor(private readonly logs: LogsBackend) {}

  prepare(task: Task, def: Json): string | undefined {
    const options = awslogsOptions(def);
    if (!options) return undefined;
    const group = String(options['awslogs-group'] ?? '');
    if (!group) return 'ResourceInitializationError: failed to validate logger args: awslogs-group is required';
    if (!this.logs.hasGroup(group)) {
      if (options['awslogs-create-group'] !== 'true') {
        return 'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1';
      }
      this.logs.createGroup(group);
    }
    // Without a prefix the stream is named after the container id, created in attach().
    if (options['awslogs-stream-prefix']) this.logs.createStream(group, streamName(task, def));
    return undefined;
  }

  attach(task: Task, def: Json, dockerId: string): void {
    const options = awslogsOptions(def);
    if (!options) return;
    const group = String(options['awslogs-group']);
    const stream = streamName(task, def, dockerId);
    if (!options['awslogs-stream-prefix']) this.logs.createStream(group, stream);
    const env = { ...process.env };
    delete env.DOCKER_HOST;
    delete env.DOCKER_CONTEXT;
    const follower = spawn('docker', ['logs', '--follow', '--timestamps', dockerId], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.followers.add(follower);
    const ended = () => this.followers.delete(follower);
    follower.on('exit', ended);
    follower.on('error', ended);
    for (const output of [follower.stdout, follower.stderr]) {
      createInterface({ input: output }).on('line', (line) => {
        // `2026-12-01T23:44:14.123456789Z message`: Docker's timestamp, then the line as written.
        const space = line.indexOf(' ');
        const at = Date.parse(line.slice(0, space));
        const message = Number.isNaN(at) ? line : line.slice(space + 1);
        try {
          this.logs.append(group, stream, Number.isNaN(at) ? Date.now() : at, message);
        } catch {
          // The group or stream was deleted (or the emulator reset) while the container ran.
        }
      });
    }
  }

  async close(): Promise<void> {
    for (const follower of this.followers) follower.kill();
    this.followers.clear();
  }
}

function awslogsOptions(def: Json): Json | undefined {
  return def.logConfiguration?.logDriver === 'awslogs' ? (def.logConfiguration.options ?? {}) : undefined;
}
