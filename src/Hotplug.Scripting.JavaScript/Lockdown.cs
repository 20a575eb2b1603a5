using Acornima.Ast;
using Jint;

namespace Hotplug.Scripting.JavaScript;

/// <summary>
/// Freezes the realm's built-ins once the script's top level has run, so that no call can leave anything in them for
/// the next (<c>Array.prototype.x = ...</c>, <c>JSON.parse = ...</c>, <c>Object.prototype</c> pollution): the top level
/// may still add to them (a polyfill), a call may not.
/// </summary>
/// <remarks>
/// Freezing a prototype makes assigning a property it has on an object that inherits it fail in strict mode (the
/// "override mistake": <c>this.name = 'MyError'</c> in an error's constructor, <c>Foo.prototype.toString = ...</c>).
/// As SES's lockdown does, the properties code commonly overrides that way (<c>constructor</c>, <c>toString</c>,
/// <c>valueOf</c>, <c>name</c>, <c>message</c>... of <c>Object.prototype</c>, <c>Function.prototype</c> and the error
/// prototypes) are turned into accessors first: reading them gives the built-in, assigning them on an inheriting
/// object defines the object's own property. Other prototypes keep plain data properties, so the engine's fast paths
/// (an array's <c>constructor</c> read by <c>map</c>) stay fast.
/// The global object's built-in bindings are made read-only and the global object non-extensible, so a call can neither
/// add a global (<c>globalThis.x = 1</c> is a TypeError) nor swap a built-in or the global object's prototype; the
/// script's own top-level declarations stay writable and the engine puts their values back after each call. Top-level
/// <c>let</c>/<c>const</c> bindings are not on the global object: what a call leaves in them stays, as a closure's state.
/// </remarks>
internal static class Lockdown
{
    private const string Source = """
        (function (roots, declared) {
          'use strict';
          const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, freeze, isFrozen } = Object;
          const ownKeys = Reflect.ownKeys;
          const overridable = ['constructor', 'toString', 'valueOf', 'toLocaleString', 'name', 'message', 'toJSON'];
          const errors = [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError, AggregateError];
          const tamed = new Set([Object.prototype, Function.prototype, ...errors.map(e => e.prototype)]);
          const seen = new Set();
          function tame(o) {
            for (const key of overridable) {
              const d = getOwnPropertyDescriptor(o, key);
              if (!d || !('value' in d) || !d.writable || !d.configurable) continue;
              const value = d.value;
              defineProperty(o, key, {
                get() { return value; },
                set(v) {
                  if (this === o) throw new TypeError(`Cannot assign to read only property '${key}' of a built-in`);
                  defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true });
                },
                enumerable: d.enumerable,
                configurable: false,
              });
            }
          }
          function harden(o) {
            if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) return;
            seen.add(o);
            if (tamed.has(o)) tame(o);
            for (const key of ownKeys(o)) {
              const d = getOwnPropertyDescriptor(o, key);
              if ('value' in d) harden(d.value); else { harden(d.get); harden(d.set); }
            }
            harden(getPrototypeOf(o));
            if (!isFrozen(o)) freeze(o);
          }
          // RegExp's legacy statics (RegExp.$1, lastMatch...) would hand the last call's matches to the next one.
          for (const key of Object.getOwnPropertyNames(RegExp)) {
            if (/^\$|^(input|lastMatch|lastParen|leftContext|rightContext)$/.test(key)) delete RegExp[key];
          }
          for (const name of roots) harden(globalThis[name]);
          harden(getPrototypeOf(function* () {}));
          harden(getPrototypeOf(async function () {}));
          harden(getPrototypeOf(async function* () {}));
          harden(getPrototypeOf([][Symbol.iterator]()));
          // The global object: its built-in bindings read-only, nothing added, its prototype fixed. The script's own
          // declarations stay writable; the engine puts their values back after each call.
          const own = new Set(declared);
          for (const key of ownKeys(globalThis)) {
            if (own.has(key)) continue;
            const d = getOwnPropertyDescriptor(globalThis, key);
            if (d.configurable || d.writable) defineProperty(globalThis, key, 'value' in d ? { writable: false, configurable: false } : { configurable: false });
          }
          Object.preventExtensions(globalThis);
        })
        """;

    private static readonly Prepared<Script> Prepared = Engine.PrepareScript(Source, "lockdown.js", strict: true);

    /// <summary>Freezes every built-in reachable from the given global names, and the global object but for the script's declarations.</summary>
    /// <param name="engine">The engine, after the script's top level.</param>
    /// <param name="builtIns">The global names that were built-ins before the script ran.</param>
    /// <param name="declared">The global names the script's top level declared (its functions and <c>var</c>s).</param>
    public static void Harden(Engine engine, IReadOnlyList<string> builtIns, IReadOnlyList<string> declared)
    {
        var function = engine.Evaluate(Prepared);
        engine.Invoke(function, Jint.Native.JsValue.Undefined, [Names(engine, builtIns), Names(engine, declared)]);
    }

    private static Jint.Native.JsArray Names(Engine engine, IReadOnlyList<string> names) =>
        new(engine, [.. names.Select(n => (Jint.Native.JsValue)n)]);
}
