/**
 * The AWS emulator as a real process for integration tests: src/main.ts bundled with esbuild into
 * a temporary folder under .local/ (so `aws-sdk` and the SDK clients resolve from node_modules),
 * started on a free port with its own state folder (never the shared emulator's), stopped with
 * SIGTERM and the folder removed by `stop()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../../..');

export interface EmulatorProcess {
  endpoint: string;
  port: number;
  pid: number;
  /** Everything the process printed so far. */
  log: () => string;
  stop: () => Promise<void>;
}

export async function startEmulatorProcess(args: string[] = []): Promise<EmulatorProcess> {
  mkdirSync(join(root, '.local'), { recursive: true });
  const dir = mkdtempSync(join(root, '.local/aws-emulator-test-'));
  let child: ChildProcess | undefined;
  let output = '';
  const stop = async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const esbuild = await import('esbuild');
    const bundle = join(dir, 'emulator.mjs');
    await esbuild.build({
      entryPoints: [join(here, '../src/main.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'warning',
    });
    child = spawn(process.execPath, [bundle, '--port', '0', '--state-dir', dir, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const stateFile = join(dir, 'aws.json');
    const deadline = Date.now() + 20_000;
    while (!existsSync(stateFile)) {
      if (child.exitCode !== null) throw new Error(`the emulator exited with ${child.exitCode}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`the emulator did not start within 20s:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const { endpoint, port, pid } = JSON.parse(readFileSync(stateFile, 'utf8'));
    return { endpoint, port, pid, log: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
