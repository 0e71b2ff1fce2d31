import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { forgedCommands, PAYLOADS } from '../../test/commands.js';
import { info, infoLines, safeLine } from '../log.js';
import { registerSecret } from '../secrets.js';

let written: string[];
beforeEach(() => {
  written = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  jest.restoreAllMocks();
});
const log = () => written.join('');

describe('safeLine', () => {
  test.each([
    ['a\n::stop-commands::tok', 'a%0A::stop-commands::tok'],
    ['a\r::add-mask::x', 'a%0D::add-mask::x'],
    ['::add-mask::x', '%3A%3Aadd-mask::x'],
    ['  ::set-output name=a::b', '  %3A%3Aset-output name=a::b'],
    ['\t::error::x', '\t%3A%3Aerror::x'],
    ['see ##[error]x', 'see %23%23[error]x'],
    ['nul\u0000 and NEL\u0085 and LS\u2028', 'nul%00 and NEL%C2%85 and LS%E2%80%A8'],
    ['docker build -t a:b .', 'docker build -t a:b .'],
    ['a%0A::set-output name=x::y', 'a%0A::set-output name=x::y'],
  ])('%j -> %j', (raw, safe) => {
    expect(safeLine(raw)).toBe(safe);
  });
});

describe('info: no input can forge a workflow command', () => {
  test.each(PAYLOADS)('%j prints one inert line', (payload) => {
    info(`[command]docker login ${payload}`);
    info(payload);
    infoLines(`report\n${payload}`);
    expect(forgedCommands(log())).toEqual([]);
    expect(written).toHaveLength(4 + (payload.match(/\r\n|\r|\n/g)?.length ?? 0));
  });

  test('::stop-commands:: cannot switch masking off: a later secret is still masked by the runner', () => {
    info('x\n::stop-commands::INJtoken');
    info('::stop-commands::INJtoken');
    registerSecret('later-secret-value');
    // The runner only masks while commands run: the ::add-mask:: is issued, no stop-commands before it.
    const lines = log().split(/\r\n|\r|\n/);
    expect(lines.filter((l) => l.trimStart().startsWith('::stop-commands'))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('::add-mask::'))).toEqual(['::add-mask::later-secret-value']);
  });

  test('the detector itself sees a forged line printed by another path', () => {
    process.stdout.write('ok\n::stop-commands::INJtoken\n  ::add-mask::INJ-mask\nx ##[error]INJ\n');
    expect(forgedCommands(log())).toEqual(['::stop-commands::INJtoken', '  ::add-mask::INJ-mask', 'x ##[error]INJ']);
  });
});
