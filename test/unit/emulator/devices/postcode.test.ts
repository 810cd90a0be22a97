// The POST code ports 0x80 and 0x190, driven only through the I/O bus.
import { describe, expect, it } from 'vitest';
import { PostCode } from '../../../../emulator/devices/postcode.ts';
import { IoPorts } from '../../../../emulator/memory/ioports.ts';

function setup() {
  const io = new IoPorts();
  const post = new PostCode(io);
  return { io, post };
}

describe('POST code ports', () => {
  it('has no code before anything is written', () => {
    const { post, io } = setup();
    expect(post.lastPost).toBe(-1);
    expect(io.read8(0x80)).toBe(0xff);
  });

  it('keeps the last byte written to port 0x80, and reads it back', () => {
    const { post, io } = setup();
    io.write8(0x80, 0x12);
    io.write8(0x80, 0x34);
    expect(post.lastPost).toBe(0x34);
    expect(io.read8(0x80)).toBe(0x34);
  });

  it('takes codes on port 0x190 too, which reads 0xFF and does not change what 0x80 reads', () => {
    const { post, io } = setup();
    io.write8(0x80, 0x01);
    io.write8(0x190, 0x55);
    expect(post.lastPost).toBe(0x55);
    expect(io.read8(0x190)).toBe(0xff);
    expect(io.read8(0x80)).toBe(0x01);
  });

  it('tells a listener every code in order', () => {
    const { post, io } = setup();
    const codes: number[] = [];
    post.onPost = (c) => codes.push(c);
    io.write8(0x80, 1);
    io.write8(0x190, 2);
    io.write8(0x80, 2);
    expect(codes).toEqual([1, 2, 2]);
  });
});
