/**
 * HAProxy's runtime API over its admin stats socket (HAProxy 2.6 management guide, "9.3. Unix
 * Socket commands"): one connection per command batch, commands separated by `;`, payloads with
 * `<<`. `experimental-mode on` goes first where 2.6 requires it (`set var`, `add/del server`).
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

/** What local/infra/haproxy.sh wrote to haproxy.json. */
export interface HaproxyInfo {
  socket: string;
  pid: number;
  listenerPorts: [number, number];
  backends: number;
  rulesMap: string;
  pickMap: string;
}

/**
 * haproxy.json is named by ELBV2_HAPROXY_INFO (infra.sh sets it for the shared emulator only), so an
 * emulator a test starts never takes over, and resets, the shared HAProxy.
 */
export function readHaproxyInfo(file = process.env.ELBV2_HAPROXY_INFO): HaproxyInfo {
  if (!file) {
    throw new Error(
      'HAProxy (the ELBv2 data plane) is not configured: ELBV2_HAPROXY_INFO is unset (infra.sh up starts HAProxy and sets it to .local/haproxy/haproxy.json)',
    );
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(
      `HAProxy (the ELBv2 data plane) is not running: no ${file} (${(error as Error).message}); start it with 'bash local/infra/haproxy.sh up' (infra.sh up does)`,
    );
  }
}

/** One server's line of `show stat`, the fields the emulator reads. */
export interface ServerStat {
  backend: string;
  server: string;
  /** `UP`, `UP 1/3` (going down), `DOWN`, `DOWN 1/2` (going up), `DRAIN`, `MAINT`, `NOLB`. */
  status: string;
  /** `L7OK`, `L7STS` (wrong status), `L4CON`, `L4TOUT`, `L7TOUT`, `SOCKERR`, empty before the first check. */
  checkStatus: string;
  checkCode: string;
  /** Sessions in progress on the server. */
  current: number;
}

export class Haproxy {
  constructor(readonly info: HaproxyInfo) {}

  /** Sends commands (`;`-joined) and returns HAProxy's answer; rejects when the socket does not answer. */
  run(commands: string, timeoutMs = 5000): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.info.socket);
      const chunks: Buffer[] = [];
      const timer = setTimeout(
        () => socket.destroy(new Error(`HAProxy runtime API: no answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.on('connect', () => socket.end(commands.endsWith('\n') ? commands : `${commands}\n`));
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`HAProxy runtime API at ${this.info.socket}: ${error.message}`));
      });
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
  }

  /** Like run(), but an answer that reads as a refusal throws with it. */
  async command(commands: string): Promise<string> {
    const answer = await this.run(commands);
    if (
      /^(Unknown command|No such|Require|Unknown|.*not found|.*cannot|.*failed|.*invalid|This command is restricted|Already exists)/im.test(
        answer,
      )
    ) {
      throw new Error(`HAProxy refused '${commands.slice(0, 120)}': ${answer.trim()}`);
    }
    return answer;
  }

  experimental(commands: string): Promise<string> {
    return this.command(`experimental-mode on; ${commands}`);
  }

  async servers(): Promise<ServerStat[]> {
    const csv = await this.run('show stat');
    const [header, ...lines] = csv.replace(/^# /, '').trim().split('\n');
    const names = (header ?? '').split(',');
    const col = (name: string) => names.indexOf(name);
    const [px, sv, status, checkStatus, checkCode, scur] = [
      'pxname',
      'svname',
      'status',
      'check_status',
      'check_code',
      'scur',
    ].map(col);
    return lines
      .map((line) => line.split(','))
      .filter((f) => f[sv!] !== 'BACKEND' && f[sv!] !== 'FRONTEND' && /^tg\d+$/.test(f[px!] ?? ''))
      .map((f) => ({
        backend: f[px!]!,
        server: f[sv!]!,
        status: f[status!] ?? '',
        checkStatus: (f[checkStatus!] ?? '').replace(/^\* /, ''),
        checkCode: f[checkCode!] ?? '',
        current: Number(f[scur!] ?? 0),
      }));
  }

  /** Replaces a map's whole content atomically: prepare a version, fill it, commit it. */
  async replaceMap(map: string, entries: [string, string][]): Promise<void> {
    const prepared = await this.command(`prepare map ${map}`);
    const version = /New version created: (\d+)/.exec(prepared)?.[1];
    if (!version) throw new Error(`HAProxy: prepare map ${map} answered ${prepared.trim()}`);
    if (entries.length) {
      const payload = entries.map(([k, v]) => `${k} ${v}`).join('\n');
      await this.command(`add map @${version} ${map} <<\n${payload}\n\n`);
    }
    await this.command(`commit map @${version} ${map}`);
  }
}
