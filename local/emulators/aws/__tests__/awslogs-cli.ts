/** `aws <args> --endpoint-url <emulator> --output json`, with throwaway credentials and no config files. */
import { execFile } from 'node:child_process';

export function awsCli(endpoint: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      'aws',
      [...args, '--endpoint-url', endpoint, '--output', 'json', '--region', 'us-east-1'],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'dummy',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_PAGER: '',
          AWS_MAX_ATTEMPTS: '1',
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}
