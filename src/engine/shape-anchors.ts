/**
 * One live object of each hidden class that the migrate path's optimized code is compiled
 * against.
 *
 * V8 compiles a hot function for the hidden classes ("maps") of the objects it has seen, and
 * holds those classes weakly: when the last object of one dies, the next full GC throws away
 * every function compiled against it. A class whose objects get their fields one at a time (a
 * class instance, better-sqlite3's Database, Node's Dirent) lives only as long as one of its
 * objects. An object literal's class lives with the code that makes it, but only once V8 has
 * given that code a feedback vector (after several calls): a literal made once per migrator
 * (createMigrator's placeholders) died with its migrator in the first runs of a process, and
 * the folder's SQL loads compiled against it lost their code, still at the eleventh migrate of
 * test/shape-anchors.test.ts.
 *
 * So a process that migrates, closes and migrates again (a fleet's worker, an app opening a
 * window, a test suite, the benchmark) lost the step path's optimized code at every full GC.
 * It ran the step path unoptimized again and compiled it again on the other core: an apply of
 * 1,000 trivial steps after a full GC took 20-21 ms instead of 15-16 (bench/README.md, issue 19,
 * thirteenth session).
 *
 * An anchor holds nothing large: a twin built from empty values when its module loads, or an
 * object that is finished with (a closed connection). There is one per kind, and the newest
 * replaces the last.
 */
const anchors = new Map<string, object>();

/** Keeps `sample`, and so its hidden class, alive until another sample of `kind` replaces it. */
export function anchorShape(kind: string, sample: object): void {
  anchors.set(kind, sample);
}
