import { formatDuration } from '../../../shared/duration.js';
import { table, writeSummary } from '../../../shared/summary.js';
import type { RestoreOutcome, SaveOutcome } from './caches.js';
import type { PostState } from './state.js';
import type { Tool } from './toolchain.js';

export const mb = (bytes?: number): string => (bytes === undefined ? '' : `${(bytes / 1048576).toFixed(1)} MB`);
export const rate = (bytes: number | undefined, ms: number): string =>
  bytes && ms > 0 ? `${(bytes / 1048576 / (ms / 1000)).toFixed(1)} MB/s` : '';

export async function writeSetupSummary(report: {
  tools: Tool[];
  restores: RestoreOutcome[];
  installMs?: number;
  affected: { names: string[]; base?: string; kind?: string; from?: string };
  backend: string;
  state: PostState;
}): Promise<void> {
  await writeSummary((summary) => {
    summary.addHeading('setup-monorepo', 2);
    summary.addTable(
      table(
        ['Tool', 'Version', 'From', 'How', 'Time'],
        report.tools.map((t) => [t.name, t.version, t.source, t.origin, formatDuration(t.ms)]),
      ),
    );
    if (report.restores.length) {
      summary.addHeading(`Caches (${report.backend} backend)`, 3);
      summary.addTable(
        table(
          ['Cache', 'Result', 'Key', 'Size', 'Restore time', 'Speed'],
          report.restores.map((r) => [
            r.id,
            r.hit === 'miss' && r.warning
              ? 'miss (restore failed)'
              : r.hit === 'prefix'
                ? `prefix hit (${r.matchedKey})`
                : r.hit,
            r.key,
            mb(r.bytes),
            r.hit === 'miss' ? '' : formatDuration(r.ms),
            r.hit === 'miss' ? '' : rate(r.bytes, r.ms),
          ]),
        ),
      );
      if (!report.state.saveAllowed)
        summary.addRaw(`Caches will not be saved: ${report.state.saveBlockedReason ?? 'disabled'}.\n\n`);
    }
    if (report.installMs !== undefined)
      summary.addRaw(`**Install**: \`pnpm install\` took ${formatDuration(report.installMs)}.\n\n`);
    if (report.affected.from) {
      summary.addRaw(
        `**Affected** since \`${report.affected.from.slice(0, 12)}\` (${report.affected.kind}: ${report.affected.base}): ${
          report.affected.names.length ? report.affected.names.map((n) => `\`${n}\``).join(', ') : 'none'
        }\n`,
      );
    }
  });
}

export async function writeSaveSummary(saves: SaveOutcome[], note?: string): Promise<void> {
  await writeSummary((summary) => {
    summary.addHeading('setup-monorepo: cache save', 3);
    if (note) summary.addRaw(`${note}\n\n`);
    if (saves.length) {
      summary.addTable(
        table(
          ['Cache', 'Result', 'Key', 'Size', 'Time'],
          saves.map((s) => [
            s.id,
            s.reason ? `${s.status}: ${s.reason}` : s.status,
            s.key,
            mb(s.bytes),
            formatDuration(s.ms),
          ]),
        ),
      );
    }
  });
}
