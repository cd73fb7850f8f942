// Test files of random content, written in chunks (never held whole in memory).
import { randomFillSync } from 'node:crypto';
import { open } from 'node:fs/promises';

export async function writeRandomFile(file: string, size: number): Promise<void> {
  const handle = await open(file, 'w');
  try {
    const chunk = Buffer.alloc(Math.min(size, 4 << 20));
    for (let written = 0; written < size; ) {
      const n = Math.min(chunk.length, size - written);
      randomFillSync(chunk, 0, n);
      await handle.write(chunk, 0, n);
      written += n;
    }
  } finally {
    await handle.close();
  }
}
