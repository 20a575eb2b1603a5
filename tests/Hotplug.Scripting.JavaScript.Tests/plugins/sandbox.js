// Known ways out of a JavaScript sandbox, each tried for real. A case returns what it reached: 'blocked: <error>' when
// the attempt threw, otherwise a description the test compares with what a sandbox that holds gives.

function attempt(f) {
  try {
    const reached = f();
    return 'reached: ' + (typeof reached === 'object' ? Object.prototype.toString.call(reached) : typeof reached);
  } catch (e) {
    return 'blocked: ' + (e instanceof Error ? e.name : typeof e);
  }
}

function attemptCompile(f) {
  try {
    return 'reached: ' + typeof f();
  } catch (e) {
    return 'blocked: ' + e.message;
  }
}

// Every object on a prototype chain, named when it is a built-in the realm has anyway.
function chain(o) {
  const known = new Map([[Object.prototype, 'Object.prototype'], [Function.prototype, 'Function.prototype']]);
  const names = [];
  for (let p = Object.getPrototypeOf(o); p !== null; p = Object.getPrototypeOf(p)) names.push(known.get(p) ?? 'unknown');
  return names.join(' > ');
}

const given = { plugin, config, log, state, services, probeService: services.probeService };

const cases = {
  'constructor-constructor': () => attemptCompile(() => ({}).constructor.constructor('return process')()),
  'function-this': () => attemptCompile(() => Function('return this')()),
  'eval': () => attemptCompile(() => eval('1 + 1')),
  'indirect-eval': () => attemptCompile(() => (0, eval)('globalThis')),
  'host-function-constructor': () => attemptCompile(() => log.info.constructor('return this')()),
  'clr-names': () => ['importNamespace', 'System', 'clr', 'host', 'require', 'process', 'importScripts', 'module', 'exports', 'Deno', 'Bun']
    .map(n => typeof globalThis[n]).join(','),
  'system-io-file': () => attempt(() => System.IO.File.ReadAllText('/etc/passwd')),
  'web-apis': () => ['fetch', 'XMLHttpRequest', 'WebSocket', 'setTimeout', 'setInterval', 'queueMicrotask', 'structuredClone', 'console', 'WebAssembly']
    .map(n => typeof globalThis[n]).join(','),
  'shared-memory': () => ['SharedArrayBuffer', 'Atomics', 'ShadowRealm', 'FinalizationRegistry', 'WeakRef', 'Temporal'].map(n => typeof globalThis[n]).join(','),
  'atomics-wait': () => attempt(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)),
  'given-prototypes': () => Object.entries(given).map(([k, v]) => k + ':' + chain(v)).join(';'),
  'given-functions': () => [log.info, log.error, state.get, state.set, services.probeService.fail].map(chain).join(';'),
  'host-function-source': () => String(log.info) + '|' + Object.getOwnPropertyNames(log.info).sort().join(','),
  'clr-members': () => [log, log.info, state, state.set, services, services.probeService, config, plugin]
    .map(o => ['GetType', 'GetHashCode', 'Equals', 'ToString', 'Target', 'Method', 'Invoke', 'DynamicInvoke'].filter(m => m in o).join('+') || 'none').join(','),
  'replace-given': () => [() => { log.info = () => 1; }, () => { globalThis.log = {}; }, () => { services.probeService = {}; }, () => { plugin.id = 'other'; }]
    .map(attempt).join(',') + '|' + plugin.id,
  'clr-exception-caught': () => {
    try { services.probeService.fail(); return 'no error'; } catch (e) {
      return [e instanceof Error, Object.getPrototypeOf(e) === Error.prototype, typeof e.GetType, typeof e.InnerException, typeof e.StackTrace, e.message].join(',');
    }
  },
  'bad-argument-caught': () => {
    try { services.probeService.remember({ toString() { return 'x'; } }); return 'no error'; } catch (e) {
      return e.name + ':' + (e instanceof TypeError) + ':' + e.message;
    }
  },
  'prepare-stack-trace': () => attempt(() => { Error.prepareStackTrace = (e, frames) => frames; }) + '|' + typeof new Error('x').stack,
  'stack-frames': () => {
    try { services.probeService.fail(); } catch (e) { return /System\.|Hotplug\.|Jint\.|\.cs:|\/work\//.test(String(e.stack) + e.message) ? 'host frames' : 'script frames only'; }
  },
  'caller-chain': () => attempt(() => { function f() { return f.caller; } return f(); }) + '|' + attempt(() => (function g() { return arguments.callee; })()),
  'pollute-object-prototype': () => attempt(() => { Object.prototype.polluted = 'yes'; }),
  'check-object-prototype': () => String(({}).polluted),
  'replace-json-parse': () => attempt(() => { JSON.parse = () => 'evil'; }),
  'check-json-parse': () => String(JSON.parse('"fine"')),
  'pollute-global-proto': () => attempt(() => { Object.setPrototypeOf(globalThis, { leaked: 'yes' }); return globalThis.leaked; }),
  'check-global-proto': () => String(globalThis.leaked) + '|' + chain(globalThis),
  'pollute-array-prototype': () => attempt(() => { Array.prototype.push = function () { return 'evil'; }; }),
  'check-array-prototype': () => String([].push(1)),
  'set-global': () => attempt(() => { globalThis.leftBehind = 'secret of the last call'; }),
  'regexp-match': () => String(/(\w+)@example\.com/.test('secret@example.com')),
  'check-regexp-statics': () => [RegExp.$1, RegExp.lastMatch, RegExp.input].map(String).join(','),
  'replace-builtin-binding': () => attempt(() => { globalThis.JSON = { parse: () => 'evil' }; }),
  'check-builtin-binding': () => String(JSON.parse('"fine"')),
  'check-global': () => String(globalThis.leftBehind),
  'cyclic-stringify': () => attempt(() => { const o = {}; o.self = o; return JSON.stringify(o); }),
  'string-bomb': () => attempt(() => 'x'.repeat(1e9)),
  'dynamic-import': () => attempt(() => import('fs')) + '|' + typeof globalThis.fs,
  'override-after-freeze': () => { class MyError extends Error { constructor(m) { super(m); this.name = 'MyError'; } } const o = {}; o.toString = () => 'own'; return new MyError('m').name + ',' + String(o); },
};

function probe(request) {
  const run = cases[request.name];
  if (!run) throw new Error('no case ' + request.name);
  return { result: String(run()) };
}

function tree(depth) {
  return null;
}

function typed(value) {
  return value;
}
