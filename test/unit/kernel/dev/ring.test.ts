// The byte ring (kernel/dev/ring.ts): FIFO order, full and empty, wrapping, peek and pop, and its
// bytes kept in guest RAM at the direct-map address it was given.
import { beforeEach, describe, expect, it } from 'vitest';
import { Ring } from '../../../../kernel/dev/ring.ts';
import { Hw } from '../../../../kernel/hw.ts';
import { P2V } from '../../../../kernel/layout.ts';
import { FakeHostPort } from '../fake-hostport.ts';

const BASE = 0x3000; // physical; the ring is given its kernel (direct-map) address
const CAP = 8;

let port: FakeHostPort;
let ring: Ring;
beforeEach(() => {
  port = new FakeHostPort(0x10000);
  ring = new Ring(new Hw(port), P2V(BASE), CAP);
});

const pushAll = (bytes: number[]): boolean[] => bytes.map((b) => ring.push(b));
const drain = (): number[] => {
  const out: number[] = [];
  while (ring.length > 0) out.push(ring.shift());
  return out;
};

describe('Ring', () => {
  it('starts empty with all of its capacity free', () => {
    expect(ring.length).toBe(0);
    expect(ring.free).toBe(CAP);
    expect(ring.capacity).toBe(CAP);
  });

  it('gives bytes back in the order they were pushed', () => {
    pushAll([1, 2, 3]);
    expect(ring.length).toBe(3);
    expect(ring.free).toBe(CAP - 3);
    expect(drain()).toEqual([1, 2, 3]);
    expect(ring.free).toBe(CAP);
  });

  it('refuses a byte when full and keeps what it holds', () => {
    expect(pushAll([10, 11, 12, 13, 14, 15, 16, 17])).toEqual(Array(CAP).fill(true));
    expect(ring.push(99)).toBe(false);
    expect(ring.length).toBe(CAP);
    expect(ring.free).toBe(0);
    expect(drain()).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
  });

  it('takes a byte again once one was shifted from a full ring', () => {
    pushAll([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(ring.shift()).toBe(0);
    expect(ring.push(8)).toBe(true);
    expect(ring.push(9)).toBe(false);
    expect(drain()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('wraps around the end of its buffer, many times over', () => {
    const seen: number[] = [];
    let next = 0;
    for (let round = 0; round < 10; round++) {
      for (let k = 0; k < 5; k++) ring.push(next++ & 0xff);
      for (let k = 0; k < 5; k++) seen.push(ring.shift());
    }
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('keeps its bytes in guest RAM at the physical address of its base, wrapping to the start', () => {
    pushAll([0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5]);
    for (let k = 0; k < 6; k++) ring.shift();
    pushAll([0xb0, 0xb1, 0xb2, 0xb3]); // slots 6, 7, then 0, 1
    expect([...port.mem.subarray(BASE, BASE + CAP)]).toEqual([0xb2, 0xb3, 0xa2, 0xa3, 0xa4, 0xa5, 0xb0, 0xb1]);
    expect(port.mem[BASE - 1]).toBe(0);
    expect(port.mem[BASE + CAP]).toBe(0);
  });

  it('reads its bytes from guest RAM, not from a copy', () => {
    pushAll([1, 2, 3]);
    port.mem[BASE + 1] = 0x42;
    expect(drain()).toEqual([1, 0x42, 3]);
  });

  it('peeks at the byte k places from the head without taking it, across the wrap', () => {
    pushAll([0, 0, 0, 0, 0, 0]);
    for (let k = 0; k < 6; k++) ring.shift();
    pushAll([5, 6, 7, 8]);
    expect([ring.peek(), ring.peek(1), ring.peek(2), ring.peek(3)]).toEqual([5, 6, 7, 8]);
    expect(ring.length).toBe(4);
    expect(ring.shift()).toBe(5);
  });

  it('pops the most recently pushed byte (backspace), not the oldest', () => {
    pushAll([1, 2, 3]);
    expect(ring.pop()).toBe(true);
    expect(ring.length).toBe(2);
    ring.push(4);
    expect(drain()).toEqual([1, 2, 4]);
  });

  it('pops across the wrap', () => {
    pushAll([0, 0, 0, 0, 0, 0, 0]);
    for (let k = 0; k < 7; k++) ring.shift();
    pushAll([1, 2, 3]); // slots 7, 0, 1
    expect(ring.pop()).toBe(true);
    expect(ring.pop()).toBe(true);
    ring.push(9);
    expect(drain()).toEqual([1, 9]);
  });

  it('pop on an empty ring does nothing and says so', () => {
    expect(ring.pop()).toBe(false);
    expect(ring.length).toBe(0);
    ring.push(7);
    expect(drain()).toEqual([7]);
  });

  it('clear empties it', () => {
    pushAll([1, 2, 3, 4, 5]);
    ring.clear();
    expect(ring.length).toBe(0);
    expect(ring.free).toBe(CAP);
    pushAll([6]);
    expect(drain()).toEqual([6]);
  });
});
