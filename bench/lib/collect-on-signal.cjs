// Preloaded into the apps the chat-load benchmark starts (with --expose-gc): SIGURG makes the
// process run full garbage collections, so W3's memory points count what the connections keep,
// not garbage V8 has yet to collect (the logins' garbage would otherwise be freed at a moment
// of V8's choosing, in or out of the window measured). Two in a row: the second finds what the
// first left for it (weak references, finalizers). SIGURG is ignored by default.
if (typeof global.gc === 'function') {
  process.on('SIGURG', () => {
    global.gc();
    global.gc();
  });
}
