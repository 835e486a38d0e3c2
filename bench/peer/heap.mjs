// The peer with a way to read what it keeps: on SIGUSR2 it collects garbage twice and prints its
// live heap and resident memory to stderr. Not used by the benchmark's runs; it shows how much of
// the peer's RSS growth is kept records rather than garbage not yet collected (docs/performance.md,
// "Resident memory").
//
//   PORT=8200 node --expose-gc bench/peer/heap.mjs &   then   kill -USR2 $!
if (typeof globalThis.gc !== 'function') {
  console.error('heap.mjs: run node with --expose-gc');
  process.exit(2);
}
const mib = (bytes) => (bytes / 1048576).toFixed(1);
process.on('SIGUSR2', () => {
  globalThis.gc();
  globalThis.gc();
  const { heapUsed, rss } = process.memoryUsage();
  console.error(`peer memory: live heap ${mib(heapUsed)} MiB, RSS ${mib(rss)} MiB`);
});
await import('./peer.mjs');
