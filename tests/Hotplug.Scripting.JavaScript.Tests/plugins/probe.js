// The runtime's own test plugin (test.javascript/v1): one case per behaviour the tests check.

let calls = 0; // a top-level let: a closure's state, kept by this engine between calls
const memo = []; // what a call puts into an object a top-level binding holds stays: the engine's own cache
var counter = 0; // a var is a property of the global object: put back after each call

function start() {
  if (config.mode === 'fail-start') throw new Error('start refused: ' + config.reason);
  log.info('started ' + plugin.id);
}

function health() {
  switch (config.health) {
    case 'text': return 'cache is cold';
    case 'false': return false;
    case 'object': return { status: 'degraded', reason: 'half the replicas answer' };
    default: return true;
  }
}

function stop() {
  log.info('stopping ' + plugin.id);
}

function probe(request) {
  switch (request.name) {
    case 'ok': return { result: 'ok' };
    case 'loop': for (;;) {}
    case 'recurse': return probe(request);
    case 'getter-recursion': { const o = { get x() { return o.x; } }; return { result: String(o.x) }; }
    case 'memory': { const keep = []; for (;;) keep.push(new Array(1000).fill(keep.length)); }
    case 'output': return { result: 'x'.repeat(200 * 1024) };
    case 'output-list': return { result: 'ok', ids: Array.from({ length: 20000 }, (_, i) => i) };
    case 'getter-loop': return { get result() { for (;;) {} } };
    case 'proxy': return new Proxy({}, { get(target, key) { return key === 'result' ? 'through a proxy' : undefined; } });
    case 'proxy-loop': return new Proxy({}, { get() { for (;;) {} } });
    case 'throw': throw new Error('the script failed on purpose');
    case 'throw-text': throw 'plain text';
    case 'misfit': return { result: 5 };
    case 'misfit-list': return { result: 'ok', ids: [1, 'two', 3] };
    case 'missing': return {};
    case 'nothing': return undefined;
    case 'set-global':
      try { globalThis.leftBehind = request.text; } catch (e) { counter += 100; } // refused: the global object takes nothing new
      counter++;
      calls++;
      memo.push(request.text);
      return { result: `counter ${counter}, calls ${calls}, memo ${memo.length}` };
    case 'read-global': return { result: `${typeof globalThis.leftBehind}, counter ${counter}, calls ${calls}, memo ${memo.length}` };
    case 'state-set': state.set('key', request.text); return { result: 'set' };
    case 'state-get': return { result: String(state.get('key')) };
    case 'state-bad': try { state.set('key', {}); return { result: 'kept' }; } catch (e) { return { result: e.name + ': ' + e.message }; }
    case 'config': return { result: `${config.boost}|${config.nested.level}|${Object.isFrozen(config)}|${config.absent}` };
    case 'log':
      log.info('info from', plugin.id);
      log.warn('a warning');
      log.error('an error');
      log.debug('a detail');
      return { result: 'logged' };
    case 'service': return { result: String(services.probeService.doubleLater(21)) };
    case 'service-remember': services.probeService.remember(request.text); return { result: services.probeService.recall() };
    case 'hold': services.probeService.hold(); return { result: 'held' };
    case 'ids': return { result: request.text, ids: request.text.split(',').map(Number) };
    case 'bigint': return { result: 'ok', ids: [1n, 2n] };
  }

  throw new Error('no case ' + request.name);
}

function tree(depth) {
  if (depth < 0) {
    const node = { name: 'loop' };
    node.child = node;
    return node;
  }

  let node = null;
  for (let i = 0; i < depth; i++) node = { name: 'n' + i, child: node };
  return node;
}

function typed(value) {
  return {
    big: value.big + 1,
    ratio: value.ratio * 2,
    flag: !value.flag,
    shade: value.shade === 'darkBlue' ? 'red' : 'darkBlue',
    scores: { ...value.scores, js: Object.keys(value.scores).length },
    when: value.when,
    tags: [...value.tags, typeof value.big],
    missing: value.missing ?? undefined,
  };
}
