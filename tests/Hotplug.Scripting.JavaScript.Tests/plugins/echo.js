// The conformance kit's echo plugin (test.echo/v1) in JavaScript.

function start() {
  if (config.mode === 'throw-on-start') throw new Error('configured to fail on start');
  log.info(`echo ${plugin.version} started`);
}

// Shared by the version's engines through state: any engine may answer the next health check.
function health() {
  if (config.mode === 'degraded' && !state.get('recovered')) return config.reason ?? 'configured to be degraded';
  return true;
}

function echo(request) {
  switch (request.text) {
    case 'throw':
      throw new Error('echo was asked to throw');
    case 'hang':
    case 'wait':
      for (;;) {} // until the call's deadline or its caller's cancellation interrupts it
    case 'crash':
      return runaway(0); // past limits.depth: the engine is thrown away, as a crashed plugin
    case 'recover':
      state.set('recovered', true);
      return { text: 'recovered', pluginId: plugin.id, version: plugin.version };
  }

  return {
    text: request.text,
    pluginId: plugin.id,
    version: plugin.version,
    greeting: config.greeting,
    counter: services.counterService.increment(),
  };
}

function runaway(n) {
  return runaway(n + 1) + 1;
}

function hold(key) {
  services.holdService.wait(key);
  return plugin.version;
}

function* count(n) {
  for (let i = 1; i <= n; i++) yield i;
}

function sum(numbers) {
  let total = 0;
  for (const n of numbers) total += n;
  return total;
}

function* shout(words) {
  for (const word of words) yield word.toUpperCase();
}
