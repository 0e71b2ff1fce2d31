/**
 * CloudWatch Logs (`Logs_20140328.*`, AWS JSON 1.1): log groups, log streams and their events,
 * as the `awslogs` driver writes them and `GetLogEvents` / `FilterLogEvents` read them back.
 * Times are epoch milliseconds on the wire (the model's `Timestamp` is a long here, unlike ECS).
 * Messages follow the CloudWatch Logs API reference (e.g. PutLogEvents: events older than 14 days
 * or more than 2 hours in the future are rejected, not stored).
 */
import { randomBytes } from 'node:crypto';
import { AwsError } from './errors.js';

// biome-ignore lint/suspicious/noExplicitAny: wire-format documents are open-ended JSON
type Json = Record<string, any>;

interface LogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
  eventId: string;
}

interface LogStream {
  name: string;
  creationTime: number;
  events: LogEvent[];
  storedBytes: number;
}

interface LogGroup {
  name: string;
  creationTime: number;
  retentionInDays?: number;
  logGroupClass: string;
  streams: Map<string, LogStream>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const notFound = (what: 'group' | 'stream') =>
  new AwsError('ResourceNotFoundException', `The specified log ${what} does not exist.`);
const invalid = (message: string) => new AwsError('InvalidParameterException', message);

export class Logs {
  private readonly groups = new Map<string, LogGroup>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  clear(): void {
    this.groups.clear();
  }

  handle(operation: string, input: Json): Json {
    switch (operation) {
      case 'CreateLogGroup':
        this.createGroup(String(input.logGroupName), input.logGroupClass);
        return {};
      case 'CreateLogStream':
        this.createStream(String(input.logGroupName), String(input.logStreamName));
        return {};
      case 'PutLogEvents':
        return this.putEvents(String(input.logGroupName), String(input.logStreamName), input.logEvents ?? []);
      case 'GetLogEvents':
        return this.getEvents(input);
      case 'FilterLogEvents':
        return this.filterEvents(input);
      case 'DescribeLogStreams':
        return this.describeStreams(input);
      case 'DescribeLogGroups':
        return this.describeGroups(input);
      default:
        throw new AwsError('UnknownOperationException', `Operation ${operation} is not supported by the emulator`);
    }
  }

  hasGroup(name: string): boolean {
    return this.groups.has(name);
  }

  createGroup(name: string, logGroupClass = 'STANDARD'): void {
    if (this.groups.has(name))
      throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
    this.groups.set(name, { name, creationTime: Date.now(), logGroupClass, streams: new Map() });
  }

  createStream(group: string, name: string): void {
    const found = this.group(group);
    if (found.streams.has(name))
      throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    found.streams.set(name, { name, creationTime: Date.now(), events: [], storedBytes: 0 });
  }

  putEvents(group: string, streamName: string, events: Json[]): Json {
    const stream = this.group(group).streams.get(streamName);
    if (!stream) throw notFound('stream');
    if (events.length === 0) throw invalid('logEvents: expected at least 1 event');
    for (let i = 1; i < events.length; i++) {
      if (events[i]!.timestamp < events[i - 1]!.timestamp)
        throw invalid('Log events in a single PutLogEvents request must be in chronological order.');
    }
    const now = Date.now();
    const rejected: Json = {};
    for (const [index, event] of events.entries()) {
      const timestamp = Number(event.timestamp);
      if (timestamp < now - 14 * DAY_MS) {
        rejected.tooOldLogEventEndIndex = index + 1;
      } else if (timestamp > now + 2 * 60 * 60 * 1000) {
        rejected.tooNewLogEventStartIndex ??= index;
      } else {
        const message = String(event.message ?? '');
        stream.events.push({ timestamp, message, ingestionTime: now, eventId: eventId() });
        stream.storedBytes += Buffer.byteLength(message) + 26; // the service counts 26 bytes of overhead per event
      }
    }
    // Streams stay sorted by timestamp, as GetLogEvents reads them.
    stream.events.sort((a, b) => a.timestamp - b.timestamp);
    const output: Json = { nextSequenceToken: String(stream.events.length).padStart(56, '0') };
    if (Object.keys(rejected).length) output.rejectedLogEventsInfo = rejected;
    return output;
  }

  /** For the awslogs driver: stores one line, creating nothing (the stream must exist). */
  append(group: string, stream: string, timestamp: number, message: string): void {
    this.putEvents(group, stream, [{ timestamp, message }]);
  }

  private group(name: string): LogGroup {
    const group = this.groups.get(name);
    if (!group) throw notFound('group');
    return group;
  }

  /** `logGroupName` or `logGroupIdentifier` (a name or an ARN). */
  private groupOf(input: Json): LogGroup {
    if (input.logGroupName && input.logGroupIdentifier)
      throw invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
    const ref = String(input.logGroupName ?? input.logGroupIdentifier ?? '');
    const name = ref.startsWith('arn:') ? (ref.split(':')[6] ?? '') : ref;
    return this.group(name);
  }

  /**
   * GetLogEvents pages with `f/<index>` and `b/<index>` tokens: forward from the head with
   * `startFromHead`, else the last `limit` events first (API reference, GetLogEvents). At the
   * end the same token comes back, which is how clients know to stop.
   */
  private getEvents(input: Json): Json {
    const stream = this.groupOf(input).streams.get(String(input.logStreamName));
    if (!stream) throw notFound('stream');
    const limit = checkLimit(input.limit, 10_000);
    const events = stream.events.filter(
      (e) =>
        (input.startTime === undefined || e.timestamp >= input.startTime) &&
        (input.endTime === undefined || e.timestamp < input.endTime),
    );
    const token = /^([fb])\/(\d+)$/.exec(String(input.nextToken ?? ''));
    if (input.nextToken !== undefined && !token) throw invalid('The specified nextToken is invalid.');
    let start: number;
    let end: number;
    if (token?.[1] === 'b') {
      end = Math.min(Number(token[2]), events.length);
      start = Math.max(0, end - limit);
    } else if (token?.[1] === 'f') {
      start = Math.min(Number(token[2]), events.length);
      end = Math.min(events.length, start + limit);
    } else if (input.startFromHead) {
      start = 0;
      end = Math.min(events.length, limit);
    } else {
      end = events.length;
      start = Math.max(0, end - limit);
    }
    return {
      events: events
        .slice(start, end)
        .map(({ timestamp, message, ingestionTime }) => ({ timestamp, message, ingestionTime })),
      nextForwardToken: `f/${String(end).padStart(56, '0')}`,
      nextBackwardToken: `b/${String(start).padStart(56, '0')}`,
    };
  }

  private filterEvents(input: Json): Json {
    const group = this.groupOf(input);
    if (input.logStreamNames && input.logStreamNamePrefix)
      throw invalid('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
    const limit = checkLimit(input.limit, 10_000);
    const matches = filterPattern(String(input.filterPattern ?? ''));
    const names: string[] | undefined = input.logStreamNames;
    const events = [...group.streams.values()]
      .filter((s) => (!names || names.includes(s.name)) && s.name.startsWith(input.logStreamNamePrefix ?? ''))
      .flatMap((s) => s.events.map((e) => ({ logStreamName: s.name, ...e })))
      .filter(
        (e) =>
          (input.startTime === undefined || e.timestamp >= input.startTime) &&
          (input.endTime === undefined || e.timestamp <= input.endTime) &&
          matches(e.message),
      )
      .sort((a, b) => a.timestamp - b.timestamp || a.eventId.localeCompare(b.eventId));
    const offset = Number(input.nextToken ?? 0);
    if (!Number.isInteger(offset) || offset < 0) throw invalid('The specified nextToken is invalid.');
    const page = events.slice(offset, offset + limit);
    const output: Json = { events: page, searchedLogStreams: [] };
    if (offset + limit < events.length) output.nextToken = String(offset + limit);
    return output;
  }

  private describeStreams(input: Json): Json {
    const group = this.groupOf(input);
    const limit = checkLimit(input.limit, 50);
    if (input.orderBy === 'LastEventTime' && input.logStreamNamePrefix)
      throw invalid('Cannot order by LastEventTime with a logStreamNamePrefix.');
    const streams = [...group.streams.values()].filter((s) => s.name.startsWith(input.logStreamNamePrefix ?? ''));
    const last = (s: LogStream) => s.events.at(-1)?.timestamp ?? 0;
    streams.sort((a, b) => (input.orderBy === 'LastEventTime' ? last(a) - last(b) : a.name.localeCompare(b.name)));
    if (input.descending) streams.reverse();
    const offset = Number(input.nextToken ?? 0);
    const output: Json = {
      logStreams: streams.slice(offset, offset + limit).map((s) => ({
        logStreamName: s.name,
        creationTime: s.creationTime,
        firstEventTimestamp: s.events[0]?.timestamp,
        lastEventTimestamp: s.events.at(-1)?.timestamp,
        lastIngestionTime: s.events.length ? Math.max(...s.events.map((e) => e.ingestionTime)) : undefined,
        arn: `${this.groupArn(group.name)}:log-stream:${s.name}`,
        storedBytes: 0, // deprecated in the API: always 0
      })),
    };
    if (offset + limit < streams.length) output.nextToken = String(offset + limit);
    return output;
  }

  private describeGroups(input: Json): Json {
    const limit = checkLimit(input.limit, 50);
    const groups = [...this.groups.values()]
      .filter((g) => g.name.startsWith(input.logGroupNamePrefix ?? ''))
      .sort((a, b) => a.name.localeCompare(b.name));
    const offset = Number(input.nextToken ?? 0);
    const output: Json = {
      logGroups: groups.slice(offset, offset + limit).map((g) => ({
        logGroupName: g.name,
        creationTime: g.creationTime,
        metricFilterCount: 0,
        arn: `${this.groupArn(g.name)}:*`,
        logGroupArn: this.groupArn(g.name),
        storedBytes: [...g.streams.values()].reduce((sum, s) => sum + s.storedBytes, 0),
        logGroupClass: g.logGroupClass,
      })),
    };
    if (offset + limit < groups.length) output.nextToken = String(offset + limit);
    return output;
  }

  private groupArn(name: string): string {
    return `arn:aws:logs:${this.region}:${this.accountId}:log-group:${name}`;
  }
}

function checkLimit(limit: unknown, max: number): number {
  if (limit === undefined) return max;
  const n = Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw invalid(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${max}`,
    );
  return n;
}

function eventId(): string {
  return BigInt(`0x${randomBytes(24).toString('hex')}`)
    .toString()
    .padStart(56, '0')
    .slice(0, 56);
}

/**
 * The unstructured subset of the filter pattern syntax ("Filter pattern syntax for metric
 * filters, subscription filters, filter log events"): space-separated terms all match, a
 * `"quoted phrase"` is one term, `?term` terms match if any does, `-term` excludes. Terms are
 * case-sensitive. JSON and space-delimited patterns (`{ $.x = 1 }`, `[a, b]`) are not emulated.
 */
export function filterPattern(pattern: string): (message: string) => boolean {
  const terms = [...pattern.matchAll(/([?-]?)(?:"([^"]*)"|(\S+))/g)].map((m) => ({
    kind: m[1],
    text: m[2] ?? m[3] ?? '',
  }));
  if (terms.some((t) => /^[{[]/.test(t.text)))
    throw invalid(`filterPattern: JSON and space-delimited patterns are not supported by the emulator`);
  const all = terms.filter((t) => t.kind === '');
  const any = terms.filter((t) => t.kind === '?');
  const none = terms.filter((t) => t.kind === '-');
  return (message) =>
    all.every((t) => message.includes(t.text)) &&
    (any.length === 0 || any.some((t) => message.includes(t.text))) &&
    none.every((t) => !message.includes(t.text));
}
