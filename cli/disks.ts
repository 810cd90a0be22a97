// The disks on the machine's one ATA channel, from --disk, --write, --swap and --swap-size:
// MachineConfig.disks is the master (index 0), then the slave (index 1).
//
// The master is the first --disk, or, when there is none and the ts386 kernel is attached, the
// program disk images/programs.img (never written). The slave is the second --disk, or the swap:
// the ts386 kernel pages out to whatever disk is the slave. The two cannot share the slot, so
// --swap with two --disk files is refused rather than one of them dropped. A swap with no master
// is refused too: the BIOS numbers the disks it finds from 80h, so a lone slave would be disk 80h,
// booted when its sector 0 happens to end in 55AA, and taken for the program disk by the kernel.

import {
  type BlockDevice, createTempSwapFile, isSwapSize, openDiskFile, openSwapFile, type OtherFile, SWAP_SIZE_RULE, type SwapFile,
} from '../emulator/index.ts';
import { BadInput } from './bad-input.ts';
import { parseBytes } from './size.ts';

export interface DiskOptions {
  /** The --disk files in the order given, or undefined when there was none. */
  disk: string[] | undefined;
  /** The disk attached when no --disk is given (the ts386 kernel's program disk), or null. */
  programDisk: string | null;
  /** --write: guest writes reach the --disk files. */
  write: boolean;
  /** --swap FILE. */
  swap: string | undefined;
  /** --swap-size SIZE as typed. */
  swapSize: string | undefined;
  /** Other files of the run the swap must not be (--bios, --kernel); the disks are added here. */
  others: readonly OtherFile[];
}

export interface Disks {
  /** For MachineConfig.disks: master, then slave. */
  disks: BlockDevice[];
  /** The swap (also disks[1]), to close at the end of the run or discard when it does not start. */
  swap: SwapFile | null;
}

/** Opens the disks; throws BadInput, with nothing created or left open, when they cannot be. */
export function openDisks(o: DiskOptions): Disks {
  // The default program disk is the repository's images/programs.img: it is never written through.
  if (o.write && o.disk === undefined) throw new BadInput('--write without --disk: only a disk given with --disk is written through');
  const diskFiles = o.disk ?? (o.programDisk !== null ? [o.programDisk] : []);
  if (diskFiles.length > 2) throw new BadInput(`--disk given ${diskFiles.length} times: the ATA channel has room for two disks`);
  const swapOption = o.swap !== undefined ? '--swap' : o.swapSize !== undefined ? '--swap-size' : null;
  let swapBytes: number | undefined;
  if (swapOption !== null) {
    if (diskFiles.length === 2) {
      throw new BadInput(`${swapOption} with two --disk files: the ATA channel has room for two disks, and the swap is the second (the slave)`);
    }
    if (diskFiles.length === 0) {
      throw new BadInput(`${swapOption} needs a first disk (--disk, or the ts386 kernel's program disk): the swap is the slave, and alone on the channel the BIOS would take it for disk 80h`);
    }
    if (o.swapSize !== undefined) {
      const bytes = parseBytes(o.swapSize);
      if (bytes === null || !isSwapSize(bytes)) throw new BadInput(`--swap-size ${o.swapSize}: expected a size such as 16M; a swap file must be ${SWAP_SIZE_RULE}`);
      swapBytes = bytes;
    }
  }
  const disks: BlockDevice[] = [];
  const closeDisks = (): void => { for (const d of disks) d.close?.(); };
  for (const file of diskFiles) {
    try {
      disks.push(openDiskFile(file, { write: o.write }));
    } catch (e) {
      closeDisks();
      throw new BadInput(`--disk ${(e as Error).message}`);
    }
  }
  if (swapOption === null) return { disks, swap: null };
  // Last, so that nothing above can refuse the run after a swap file was made.
  let swap: SwapFile;
  try {
    if (o.swap !== undefined) {
      const notSameAs = [...diskFiles.map((path) => ({ path, what: o.disk !== undefined ? '--disk' : 'the program disk' })), ...o.others];
      swap = openSwapFile(o.swap, { size: swapBytes, notSameAs });
    } else {
      swap = createTempSwapFile(swapBytes!);
    }
  } catch (e) {
    closeDisks();
    throw new BadInput(`${swapOption === '--swap' ? '--swap' : `--swap-size ${o.swapSize}:`} ${(e as Error).message}`);
  }
  return { disks: [...disks, swap.disk], swap };
}
