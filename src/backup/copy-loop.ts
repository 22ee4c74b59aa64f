/**
 * The copy loop of the SQLite snapshot's child process and of the restore's worker thread, as
 * source text (both run it as a script: `node -e` and `new Worker(..., { eval: true })`, so it
 * works from any build, the bundled CLI's included). Defines `copyHashed(inFd, outFd, hash,
 * durable, onWritten)`: 1 MB chunks, three buffers (one being read, one written, one hashed: the hash reads a
 * chunk still in the CPU's cache; see sqlite-file-copy.ts for the figures), each written as 64 KB writes, a sync every 64 MB
 * when durable so the disk writes while the hash runs, and one at the end. `onWritten(bytes)`, when
 * given, is called in order as the copy's first `bytes` are written (not synced): a reader of the
 * copy may read that far. Resolves to the bytes copied; nothing is still writing when it settles,
 * so the caller may close or remove the file.
 */
export const COPY_LOOP_SOURCE = String.raw`
const COPY_CHUNK = 1 << 20;
const COPY_WRITE = 64 << 10;
const COPY_SYNC_EVERY = 64 << 20;
const readAt = (fd, buf, pos) => new Promise((ok, ko) => fs.read(fd, buf, 0, buf.length, pos, (e, n) => (e ? ko(e) : ok(n))));
// A short write (a full disk reports itself on the next one) writes the rest.
function writePart(fd, buf, offset, length, pos) {
  return new Promise((ok, ko) => {
    const next = (offset, length, pos) =>
      fs.write(fd, buf, offset, length, pos, (e, n) => {
        if (e) ko(e);
        else if (n === length) ok();
        else if (n > 0) next(offset + n, length - n, pos + n);
        else ko(new Error('the copy wrote 0 of ' + length + ' bytes at ' + pos));
      });
    next(offset, length, pos);
  });
}
// A chunk goes out as 64 KB writes side by side on the thread pool, not as one 1 MB write. On the
// machine of bench/README.md (a Firecracker VM, Linux 6.18, free page reporting) a new file's
// 500 MB took 0.56-0.63 s to write in 1 MB writes once the VM had sat idle for a few seconds, and
// 0.09-0.10 s in 64 KB writes (fs.copyFileSync was not slowed); the plain create missed its
// target by that much (issue 19, fourteenth session).
function writeAt(fd, buf, pos) {
  const parts = [];
  for (let offset = 0; offset < buf.length; offset += COPY_WRITE) {
    parts.push(writePart(fd, buf, offset, Math.min(COPY_WRITE, buf.length - offset), pos + offset));
  }
  // Settled only when every part has: a failed part must not let the caller close the file (and
  // the descriptor be reused) while the others still write.
  return Promise.allSettled(parts).then((settled) => {
    for (const part of settled) if (part.status === 'rejected') throw part.reason;
  });
}
const dataSync = (fd) => new Promise((ok, ko) => fs.fdatasync(fd, (e) => (e ? ko(e) : ok())));
async function copyHashed(inFd, outFd, hash, durable, onWritten) {
  const buffers = [Buffer.allocUnsafe(COPY_CHUNK), Buffer.allocUnsafe(COPY_CHUNK), Buffer.allocUnsafe(COPY_CHUNK)];
  const writes = [Promise.resolve(), Promise.resolve(), Promise.resolve()];
  let pos = 0;
  let slot = 0;
  let syncing = Promise.resolve();
  // Writes may complete out of order on the thread pool: each report waits for the one before.
  let reported = Promise.resolve();
  let reading = readAt(inFd, buffers[0], 0);
  try {
    for (;;) {
      const n = await reading;
      if (n === 0) break;
      const chunk = buffers[slot].subarray(0, n);
      const next = (slot + 1) % 3;
      await writes[next];
      reading = readAt(inFd, buffers[next], pos + n);
      writes[slot] = writeAt(outFd, chunk, pos);
      if (onWritten) {
        const written = writes[slot];
        const end = pos + n;
        reported = Promise.all([reported, written]).then(() => onWritten(end));
      }
      if (hash) hash.update(chunk);
      pos += n;
      if (durable && pos % COPY_SYNC_EVERY === 0) {
        const written = writes[slot];
        syncing = Promise.all([syncing, written]).then(() => dataSync(outFd));
      }
      slot = next;
    }
  } finally {
    await Promise.allSettled([reading, ...writes, syncing, reported]);
  }
  await Promise.all([...writes, syncing, reported]);
  if (durable) await dataSync(outFd);
  return pos;
}
`;
