// The GDB stub over a real TCP socket on an ephemeral port, driven by a small protocol client
// (test/harness/gdb-client.ts) against a bare machine running flat 32-bit code with known
// instructions; the host loop is the CLI's in miniature: run a slice unless stopped, then poll.
import { afterEach, describe, expect, it } from 'vitest';
import { GdbServer } from '../../../../emulator/host/gdb-server.ts';
import { GdbStub } from '../../../../emulator/debug/gdbstub.ts';
import { flat32, type TestMachine } from '../../../harness/cpu.ts';
import { GdbClient } from '../../../harness/gdb-client.ts';

// mov eax, 1; mov dword [0x3000], 0x1234; inc eax; inc eax; jmp $   (at 0x1000)
const PROGRAM = [0xb8, 0x01, 0x00, 0x00, 0x00, 0xc7, 0x05, 0x00, 0x30, 0x00, 0x00, 0x34, 0x12, 0x00, 0x00, 0x40, 0x40, 0xeb, 0xfe];
const INC1 = 0x1000 + 15, INC2 = INC1 + 1, LOOP = INC2 + 1;

const le32 = (v: number): string => [0, 8, 16, 24].map((s) => ((v >>> s) & 0xff).toString(16).padStart(2, '0')).join('');

interface Session { t: TestMachine; server: GdbServer; gdb: GdbClient; stop: () => Promise<void> }
let open: Session | null = null;

async function session(): Promise<Session> {
  const t = flat32(PROGRAM, { addr: 0x1000, stack: 0x8000 });
  const server = await GdbServer.listen(t.m.monitor, 0);
  let running = true;
  const loop = (async () => {
    while (running) {
      // As --gdb-wait: the machine starts when gdb is attached.
      if (server.connected && !t.m.monitor.stopped) t.m.run(50_000);
      server.stub.poll();
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const gdb = await GdbClient.connect(server.port);
  const s = { t, server, gdb, stop: async () => { running = false; await loop; gdb.close(); server.close(); } };
  open = s;
  // Attaching stops the machine: nothing has run yet.
  await gdb.expect(/^/);
  return s;
}

afterEach(async () => {
  await open?.stop();
  open = null;
});

describe('gdb stub over TCP', () => {
  it('answers qSupported, ? and g: the i386 registers in gdb\'s order, little-endian', async () => {
    const { t, gdb } = await session();
    expect(await gdb.request('qSupported:multiprocess+;swbreak+')).toBe('PacketSize=1000');
    expect(await gdb.request('?')).toBe('S05');
    const g = await gdb.request('g');
    expect(g).toHaveLength(16 * 8);
    expect(g.slice(8 * 8, 9 * 8)).toBe(le32(0x1000)); // eip
    expect(g.slice(4 * 8, 5 * 8)).toBe(le32(0x8000)); // esp
    expect(g.slice(10 * 8, 11 * 8)).toBe(le32(t.m.cpu.seg[1]!)); // cs
    expect(await gdb.request('p8')).toBe(le32(0x1000));
    expect(await gdb.request('P0=78563412')).toBe('OK');
    expect(t.m.cpu.reg[0]).toBe(0x12345678);
    expect(await gdb.request('vCont?')).toBe('');
    expect(await gdb.request('qXfer:features:read:target.xml:0,ffb')).toBe('');
  });

  it('reads and writes memory; an unmapped address is an E error', async () => {
    const { t, gdb } = await session();
    expect(await gdb.request('m1000,5')).toBe('b801000000');
    expect(await gdb.request('M3000,2:abcd')).toBe('OK');
    expect(t.m.phys.read8(0x3000)).toBe(0xab);
    // Paging on with an empty page directory at 0x5000: nothing is mapped.
    t.m.cpu.cr3 = 0x5000;
    t.m.cpu.cr0 |= 0x80000000;
    expect(await gdb.request('m1000,4')).toBe('E14');
    expect(await gdb.request('M1000,1:00')).toBe('E14');
    // Map linear 0x00400000 to the program's page at physical 0x1000: read through CR3, and a read
    // that runs off the mapped page ends there. The page tables' A bits stay clear (no side effects).
    t.m.phys.write32(0x5000 + 1 * 4, 0x6000 | 1);
    t.m.phys.write32(0x6000, 0x1000 | 1);
    expect(await gdb.request('m400000,5')).toBe('b801000000');
    expect(await gdb.request('m400ffe,4')).toBe(Array.from(t.m.phys.ram.subarray(0x1ffe, 0x2000), (b) => b.toString(16).padStart(2, '0')).join(''));
    expect(t.m.phys.read32(0x6000)).toBe(0x1001);
    expect(t.m.phys.read32(0x5004)).toBe(0x6001);
  });

  it('G writes back what g read', async () => {
    const { t, gdb } = await session();
    const g = await gdb.request('g');
    expect(await gdb.request(`G${g}`)).toBe('OK');
    expect(t.m.cpu.eip).toBe(0x1000);
    // A segment register cannot be changed: nothing is written.
    const cs = 10 * 8;
    expect(await gdb.request(`G${le32(0x77)}${g.slice(8, cs)}${le32(0x99)}${g.slice(cs + 8)}`)).toBe('E01');
    expect(t.m.cpu.reg[0]).not.toBe(0x77);
  });

  it('stops at a Z0 breakpoint, single-steps with s, continues to a Z2 watchpoint, and takes Ctrl-C', async () => {
    const { t, gdb } = await session();
    expect(await gdb.request(`Z0,${INC2.toString(16)},1`)).toBe('OK');
    await gdb.send('c');
    expect(await gdb.reply()).toBe('S05');
    expect(t.m.cpu.eip).toBe(INC2);
    expect(t.m.cpu.reg[0]).toBe(2);
    await gdb.send('s');
    expect(await gdb.reply()).toBe('S05');
    expect(t.m.cpu.eip).toBe(LOOP);
    expect(t.m.cpu.reg[0]).toBe(3);
    expect(await gdb.request(`z0,${INC2.toString(16)},1`)).toBe('OK');
    expect(t.m.monitor.breakpoints.list).toHaveLength(0);
    // Now the machine spins at jmp $: Ctrl-C stops it with SIGINT.
    await gdb.send('c');
    gdb.raw('\x03');
    expect(await gdb.reply()).toBe('S02');
    expect(t.m.cpu.eip).toBe(LOOP);
  });

  it('stops after a write to a Z2 watchpoint', async () => {
    const { t, gdb } = await session();
    expect(await gdb.request('Z2,3000,4')).toBe('OK');
    await gdb.send('c');
    expect(await gdb.reply()).toBe('T05watch:3000;');
    expect(t.m.monitor.breakpoints.reason).toMatch(/^watchpoint \d+: 00003000/);
    expect(await gdb.request('z2,3000,4')).toBe('OK');
  });

  it('Z3 (read) lets the write by; Z4 (access) stops on it, reported as awatch', async () => {
    const { t, gdb } = await session();
    expect(await gdb.request('Z3,3000,4')).toBe('OK');
    await gdb.send('c');
    gdb.raw('\x03');
    expect(await gdb.reply()).toBe('S02'); // only Ctrl-C stopped it: the program never reads 0x3000
    expect(t.m.phys.read32(0x3000)).toBe(0x1234);
    expect(await gdb.request('z3,3000,4')).toBe('OK');
    t.m.phys.write32(0x3000, 0);
    t.m.cpu.eip = 0x1000;
    expect(await gdb.request('Z4,3000,4')).toBe('OK');
    await gdb.send('c');
    expect(await gdb.reply()).toBe('T05awatch:3000;');
  });

  it('runs monitor commands (qRcmd) and returns their text', async () => {
    const { gdb } = await session();
    const hex = (s: string): string => Buffer.from(s).toString('hex');
    const out = Buffer.from(await gdb.request(`qRcmd,${hex('x/4xb 0x1000')}`), 'hex').toString();
    expect(out).toBe('0x00001000: 0xb8 0x01 0x00 0x00\n');
    expect(Buffer.from(await gdb.request(`qRcmd,${hex('c')}`), 'hex').toString()).toMatch(/use gdb's continue/);
  });

  it('drops a packet with a bad checksum with a NAK, answers malformed packets with E, and goes on', async () => {
    const { gdb } = await session();
    gdb.raw('$g#00');
    await gdb.expect(/^-/);
    expect(await gdb.request('mzz,4')).toBe('E01');
    expect(await gdb.request('P3=12')).toBe('E01');
    expect(await gdb.request('G00')).toBe('E01');
    expect(await gdb.request('Z9,0,0')).toBe('');
    expect(await gdb.request('m1000,1')).toBe('b8');
  });

  it('takes one connection at a time: a second client is closed at once', async () => {
    const { server, gdb } = await session();
    const other = await GdbClient.connect(server.port);
    await new Promise<void>((resolve) => other.onClose(resolve));
    expect(await gdb.request('m1000,1')).toBe('b8');
  });

  it('k asks the host to end the run; D detaches and the machine runs on', async () => {
    const { t, server, gdb } = await session();
    let killed = false;
    server.stub.onKill = () => { killed = true; };
    gdb.raw(GdbClient.frame('k'));
    await gdb.expect(/^\+/);
    expect(killed).toBe(true);
    expect(await gdb.request(`Z0,${INC2.toString(16)},1`)).toBe('OK');
    expect(await gdb.request('D')).toBe('OK');
    expect(t.m.monitor.breakpoints.list).toHaveLength(0);
    expect(t.m.monitor.stopped).toBe(false);
  });
});

describe('gdb stub without a socket', () => {
  it('never throws on garbage and answers each well-formed packet', () => {
    const t = flat32(PROGRAM, { addr: 0x1000, stack: 0x8000 });
    const out: string[] = [];
    const stub = new GdbStub(t.m.monitor, (s) => out.push(s));
    stub.attach();
    stub.receive('+-\x00junk$$$#zz$');
    stub.receive(`${'x'.repeat(10000)}`);
    stub.receive(GdbClient.frame('m1000,1'));
    expect(out.at(-1)).toBe(GdbClient.frame('b8'));
  });
});
