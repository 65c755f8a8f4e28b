// SHA-1 (FIPS 180-4) over bytes, used only to mint name-based uuids (RFC 4122 version 5).
// sha1Into hashes the first `len` bytes of a scratch buffer in place (it writes the padding after
// them) into five words, so minting a uuid allocates nothing but its text.

const W = new Int32Array(80);

/** Bytes `buf` needs to hash `len` bytes in place (message, 0x80, zeros, 64-bit length). */
export function paddedLength(len: number): number {
  return (((len + 8) >>> 6) + 1) * 64;
}

/** SHA-1 of buf[0, len) into h[0..4]; buf must hold paddedLength(len) bytes and is overwritten past len. */
export function sha1Into(buf: Uint8Array, len: number, h: Int32Array): void {
  const total = paddedLength(len);
  buf[len] = 0x80;
  buf.fill(0, len + 1, total);
  const bits = len * 8;
  const hi = Math.floor(bits / 0x1_0000_0000);
  buf[total - 8] = hi >>> 24;
  buf[total - 7] = hi >>> 16;
  buf[total - 6] = hi >>> 8;
  buf[total - 5] = hi;
  buf[total - 4] = bits >>> 24;
  buf[total - 3] = bits >>> 16;
  buf[total - 2] = bits >>> 8;
  buf[total - 1] = bits;
  let h0 = 0x67452301,
    h1 = 0xefcdab89 | 0,
    h2 = 0x98badcfe | 0,
    h3 = 0x10325476,
    h4 = 0xc3d2e1f0 | 0;
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 16; i++) {
      const p = off + i * 4;
      W[i] = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
    }
    for (let i = 16; i < 80; i++) {
      const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
      W[i] = (x << 1) | (x >>> 31);
    }
    let a = h0,
      bb = h1,
      c = h2,
      d = h3,
      e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number, k: number;
      if (i < 20) {
        f = (bb & c) | (~bb & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = bb ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (bb & c) | (bb & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = bb ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + W[i]!) | 0;
      e = d;
      d = c;
      c = (bb << 30) | (bb >>> 2);
      bb = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + bb) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  h[0] = h0;
  h[1] = h1;
  h[2] = h2;
  h[3] = h3;
  h[4] = h4;
}

/** SHA-1 of `bytes` (20 bytes). */
export function sha1(bytes: Uint8Array): Uint8Array {
  const buf = new Uint8Array(paddedLength(bytes.length));
  buf.set(bytes);
  const h = new Int32Array(5);
  sha1Into(buf, bytes.length, h);
  const out = new Uint8Array(20);
  for (let i = 0; i < 20; i++) out[i] = h[i >>> 2]! >>> (24 - 8 * (i & 3));
  return out;
}
