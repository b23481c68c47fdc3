// A small PNG made here (a sky with a sun), to upload as a picture without a binary fixture.
import zlib from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}

export function skyPng(width = 320, height = 200): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3); // filter byte 0, then RGB
    for (let x = 0; x < width; x++) {
      const sun = Math.hypot(x - width * 0.72, y - height * 0.35) < height * 0.16;
      const ground = y > height * 0.78 + Math.sin(x / 23) * 6;
      const [r, g, b] = sun
        ? [255, 205, 60]
        : ground
          ? [60, 120 + (x % 7), 70]
          : [90 + (y * 100) / height, 150 + (y * 60) / height, 235];
      row.writeUInt8(Math.round(r), 1 + x * 3);
      row.writeUInt8(Math.round(g), 2 + x * 3);
      row.writeUInt8(Math.round(b), 3 + x * 3);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
