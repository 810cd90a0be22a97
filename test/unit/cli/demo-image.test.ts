// images/demo.img, the disk `npm start` boots, must be what images/src/demo/demo.S builds to.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasAs, staleOutputs } from '../../harness/gas.ts';

const root = new URL('../../..', import.meta.url).pathname;

describe('images/demo.img', () => {
  it.skipIf(!hasAs)('is current with images/src/demo/demo.S (rebuilt by images/build.sh with GNU as/ld/objcopy)', () => {
    expect(staleOutputs(path.join(root, 'images/build.sh'), path.join(root, 'images'), ['demo.img'])).toEqual([]);
  });

  it('is a 64 KiB disk whose sector 0 is a boot sector (55 AA at offset 510)', () => {
    const img = readFileSync(path.join(root, 'images/demo.img'));
    expect(img.length).toBe(64 * 1024);
    expect([img[510], img[511]]).toEqual([0x55, 0xaa]);
  });
});
