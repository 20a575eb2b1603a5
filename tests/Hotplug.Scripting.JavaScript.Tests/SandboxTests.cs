using System.Text.Json.Nodes;

namespace Hotplug.Scripting.JavaScript.Tests;

/// <summary>A plugin whose script tries known ways out of the sandbox, on one engine (pool max 1) so a call sees what the last left.</summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    private TestHost? _host;

    internal TestHost Host => _host!;

    public IProbe Probe { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync();
        var script = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "plugins", "sandbox.js"));
        Probe = await _host.InstallAsync("sandbox", script, new JsonObject { ["pool"] = new JsonObject { ["min"] = 1, ["max"] = 1 } });
    }

    public async Task DisposeAsync() => await _host!.DisposeAsync();
}

/// <summary>
/// Each known escape is tried by a real script in a real host, and each is shown not to work: the assertion is on what
/// the attempt reached (a blocked attempt's error, an absent global, a built-in prototype chain), not on a failure alone.
/// </summary>
public sealed class SandboxTests(SandboxFixture fixture) : IClassFixture<SandboxFixture>
{
    private const string Compiling = "blocked: String compilation has been disabled in engine options";

    public static TheoryData<string, string> Escapes => new()
    {
        // Function's constructor compiles a string into a function of the global scope: string compilation is off.
        { "constructor-constructor", Compiling },
        { "function-this", Compiling },
        { "eval", Compiling },
        { "indirect-eval", Compiling },
        { "host-function-constructor", Compiling },
        // No CLR bridge, no module system, no host objects under the names other hosts use.
        { "clr-names", "undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined" },
        { "system-io-file", "blocked: ReferenceError" },
        { "web-apis", "undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined,undefined" },
        { "shared-memory", "undefined,undefined,undefined,undefined,undefined,undefined" },
        { "atomics-wait", "blocked: ReferenceError" },
        // What a script is given leads only to the realm's own Object.prototype and Function.prototype.
        { "given-prototypes", "plugin:Object.prototype;config:Object.prototype;log:Object.prototype;state:Object.prototype;services:Object.prototype;probeService:Object.prototype" },
        { "given-functions", "Function.prototype > Object.prototype;Function.prototype > Object.prototype;Function.prototype > Object.prototype;Function.prototype > Object.prototype;Function.prototype > Object.prototype" },
        { "host-function-source", "function info() { [native code] }|length,name" },
        { "clr-members", "none,none,none,none,none,none,none,none" },
        // Given objects are frozen and bound read-only: a script cannot swap them for the next call.
        { "replace-given", "blocked: TypeError,blocked: TypeError,blocked: TypeError,blocked: TypeError|sandbox" },
        // A .NET exception in a host service reaches the script as a plain Error with its message, nothing of the CLR.
        { "clr-exception-caught", "true,true,undefined,undefined,undefined,services.probeService.fail failed: the probe service failed on purpose" },
        { "bad-argument-caught", "TypeError:true:services.probeService.remember was given a value that does not fit at argument 1: expected text, got an object." },
        { "stack-frames", "script frames only" },
        { "prepare-stack-trace", "blocked: TypeError|string" },
        { "caller-chain", "blocked: TypeError|blocked: TypeError" },
        { "cyclic-stringify", "blocked: TypeError" },
        { "string-bomb", "blocked: RangeError" },
        // Built-ins are frozen, yet the usual overrides on one's own objects still work.
        { "override-after-freeze", "MyError,own" },
    };

    public static TheoryData<string, string, string, string> Pollutions => new()
    {
        { "pollute-object-prototype", "blocked: TypeError", "check-object-prototype", "undefined" },
        { "replace-json-parse", "blocked: TypeError", "check-json-parse", "fine" },
        { "pollute-array-prototype", "blocked: TypeError", "check-array-prototype", "1" },
        { "pollute-global-proto", "blocked: TypeError", "check-global-proto", "undefined|Object.prototype" },
        { "set-global", "blocked: TypeError", "check-global", "undefined" },
        { "replace-builtin-binding", "blocked: TypeError", "check-builtin-binding", "fine" },
        { "regexp-match", "true", "check-regexp-statics", "undefined,undefined,undefined" },
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public async Task Escape_Attempted_DoesNotWork(string name, string expected)
    {
        var reply = await fixture.Probe.ProbeAsync(new ProbeRequest(name));

        Assert.Equal(expected, reply.Result);
    }

    /// <summary>import() reaches no module system: Jint refuses it outside script, so the call fails and its engine goes.</summary>
    [Fact]
    public async Task Escape_DynamicImport_ReachesNoModule()
    {
        await using var host = await TestHost.StartAsync();
        var probe = await host.InstallAsync("importing", "function probe(request) { return { result: typeof import('fs') }; }\nfunction tree(depth) { return null; }\nfunction typed(value) { return value; }\n");

        var error = await Assert.ThrowsAsync<PluginInvocationException>(() => probe.ProbeAsync(new ProbeRequest("import")).AsTask());

        Assert.Contains("Module loading has been disabled", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, host.Pool("importing").Discarded);
    }

    [Theory]
    [MemberData(nameof(Pollutions))]
    public async Task Pollution_OfOneCall_IsNotSeenByTheNext(string polluter, string attempted, string checker, string seen)
    {
        Assert.Equal(attempted, (await fixture.Probe.ProbeAsync(new ProbeRequest(polluter))).Result);

        // The same engine (the pool has one) serves the next call.
        Assert.Equal(seen, (await fixture.Probe.ProbeAsync(new ProbeRequest(checker))).Result);
        Assert.Equal(0, fixture.Host.Pool("sandbox").Discarded);
    }
}
