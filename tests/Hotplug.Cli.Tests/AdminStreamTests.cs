using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hotplug.Admin;
using Hotplug.Process;
using Hotplug.TestContracts;
using Hotplug.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hotplug.Cli.Tests;

/// <summary>Stream methods through the admin API and <c>hotplug call</c>: NDJSON as produced, the call timeout, a client that leaves.</summary>
public sealed class AdminStreamTests : IAsyncLifetime
{
    /// <summary>
    /// How many items may sit between the plugin and a client that reads slowly: the response pipe (64 KiB) and the
    /// two sockets' buffers (a few MiB on loopback) hold a few dozen of the 64 KiB items used here. Without
    /// back-pressure the plugin produces thousands while the client reads its first hundred.
    /// </summary>
    private const int InTransit = 400;

    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hotplug-admin-stream-tests", Guid.NewGuid().ToString("N")[..10]);
    private readonly Counter _counter = new();
    private readonly Holds _holds = new();
    private IHost _host = null!;
    private IPluginHost _plugins = null!;
    private HttpClient _http = null!;

    private string StatePath => Path.Combine(_root, "state");

    public async Task InitializeAsync()
    {
        var plugins = Path.Combine(_root, "plugins");
        TestPlugins.Install(Path.Combine(plugins, "echo"), TestPlugins.Manifest("echo", "1.0.0"));
        TestPlugins.Install(Path.Combine(plugins, "streams"), StreamsManifest("streams", "infinite"));
        TestPlugins.Install(Path.Combine(plugins, "fast"), StreamsManifest("fast", "300ms"));
        TestPlugins.Install(Path.Combine(plugins, "crashy"), TestPlugins.Manifest("crashy", "1.0.0", TestPlugins.EchoProcess), TestPlugins.EchoProcess);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<ICounterService>(_counter);
        builder.Services.AddSingleton<IHoldService>(_holds);
        builder.Services.AddHotplug(o =>
            {
                o.PluginsPath = plugins;
                o.StatePath = StatePath;
                o.StabilityWindow = TimeSpan.Zero;
                o.RequireSignedPackages = false;
            })
            .ExportService<ICounterService>()
            .ExportService<IHoldService>()
            .AddProcessRuntime()
            .AddAdminApi(o => o.Port = 0);
        _host = builder.Build();
        await _host.StartAsync();
        _plugins = _host.Services.GetRequiredService<IPluginHost>();
        await _host.Services.GetRequiredService<IPluginAdmin>().RescanAsync();
        await CliProcess.WaitUntilAsync(
            () => Task.FromResult(_plugins.GetPlugins().Count(p => p.State == PluginState.Healthy) == 4),
            () => string.Join("; ", _plugins.GetPlugins().Select(p => $"{p.Id} {p.State} {p.LastError}")));
        var admin = AdminFile.Read(StatePath);
        _http = new HttpClient { BaseAddress = new Uri(admin.Url), Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin.Token);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.StopAsync();
        _host.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Stream_LargeItemsToASlowReader_PluginProducesOnlyAsFarAsTheClientReads()
    {
        using var response = await PostAsync("/v1/plugins/streams/invoke/flood", """{ "size": 65536 }""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);

        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
        {
            for (var read = 1; read <= 100; read++)
            {
                var line = JsonDocument.Parse((await reader.ReadLineAsync().WaitAsync(HangGuard))!).RootElement;
                Assert.Equal(65536, line.GetProperty("result").GetString()!.Length);
                Assert.True(_counter.Value <= read + InTransit, $"the plugin produced {_counter.Value} items while the client read {read}");
            }
        }

        // The client went away: the call ends and is counted out.
        response.Dispose();
        await CliProcess.WaitUntilAsync(() => Task.FromResult(_plugins.GetPlugin("streams")!.InFlight == 0), () => "still in flight");
    }

    [Fact]
    public async Task Stream_EndlessStreamWithTinyCallTimeout_EndsWithTheTimeoutAsLineOrStatus()
    {
        using var response = await PostAsync("/v1/plugins/fast/invoke/flood", """{ "size": 16 }""");

        if (response.StatusCode != HttpStatusCode.OK)
        {
            // The timeout came before the first item (a busy machine): the error is the answer.
            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
            Assert.Equal("plugin_timeout", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
            return;
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var read = 0;
        JsonElement last;
        while (true)
        {
            last = JsonDocument.Parse((await reader.ReadLineAsync().WaitAsync(HangGuard))!).RootElement;
            if (!last.TryGetProperty("result", out _))
            {
                break;
            }

            read++;
        }

        var error = last.GetProperty("error");
        Assert.Equal("plugin_timeout", error.GetProperty("code").GetString());
        Assert.Contains("'fast' 1.0.0 did not complete FloodAsync within its call timeout of 300 ms", error.GetProperty("message").GetString());
        Assert.Null(await reader.ReadLineAsync().WaitAsync(HangGuard));
        await CliProcess.WaitUntilAsync(() => Task.FromResult(_plugins.GetPlugin("fast")!.InFlight == 0), () => "still in flight");
    }

    [Fact]
    public async Task Stream_ClientDisconnects_PluginCallIsCancelled()
    {
        var response = await PostAsync("/v1/plugins/streams/invoke/follow", """{ "key": "disconnect" }""");
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = JsonDocument.Parse((await reader.ReadLineAsync().WaitAsync(HangGuard))!).RootElement;
        Assert.Equal("started", first.GetProperty("result").GetString());
        await _holds.WhenEntered("disconnect").WaitAsync(HangGuard);

        reader.Dispose();
        response.Dispose();

        await _holds.WhenCancelled("disconnect").WaitAsync(HangGuard);
        await CliProcess.WaitUntilAsync(() => Task.FromResult(_plugins.GetPlugin("streams")!.InFlight == 0), () => "still in flight");
    }

    [Fact]
    public async Task Invoke_StreamMethodForAJsonOnlyClient_400SayingItIsAStream()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/plugins/echo/invoke/count") { Content = new StringContent("""{ "count": 3 }""", Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await _http.SendAsync(request);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("bad_arguments", error.GetProperty("code").GetString());
        Assert.Contains("is a stream method", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Client_InvokeStream_YieldsItemsAndUnaryResultsAndThrowsTheErrorThatEndsAStream()
    {
        using var client = new HotplugAdminClient(StatePath);

        var counted = new List<int>();
        await foreach (var item in client.InvokeStreamAsync("echo", "count", """{ "count": 3 }"""))
        {
            counted.Add(item.GetInt32());
        }

        var unary = new List<JsonElement>();
        await foreach (var item in client.InvokeStreamAsync("echo", "echo", """{ "request": { "text": "one" } }"""))
        {
            unary.Add(item);
        }

        var timeout = await Assert.ThrowsAsync<AdminApiException>(async () =>
        {
            await foreach (var item in client.InvokeStreamAsync("fast", "flood", """{ "size": 16 }"""))
            {
                Assert.Equal(16, item.GetString()!.Length);
            }
        });

        Assert.Equal([1, 2, 3], counted);
        Assert.Equal("one", Assert.Single(unary).GetProperty("text").GetString());
        Assert.Equal("plugin_timeout", timeout.Code);
    }

    [Fact]
    public async Task Call_StreamMethod_PrintsEachItemAndExitsZero()
    {
        var result = await CliProcess.RunAsync("call", "echo", "count", """{"count":3}""", "--state", StatePath);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(["1", "2", "3"], result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Call_EndlessStreamPastCallTimeout_PrintsItemsThenTheTimeoutAndExitsOne()
    {
        var result = await CliProcess.RunAsync("call", "fast", "count", $$"""{"count":{{int.MaxValue}}}""", "--state", StatePath);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error plugin_timeout:", result.Error);
        var items = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(Enumerable.Range(1, items.Length).Select(i => i.ToString(CultureInfo.InvariantCulture)), items);
    }

    [Fact]
    public async Task Invoke_PluginProcessDiesMidCall_503PluginCrashed()
    {
        using var response = await PostAsync("/v1/plugins/crashy/invoke/echo", """{ "request": { "text": "crash" } }""", accept: "application/json");
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("plugin_crashed", error.GetProperty("code").GetString());
        Assert.Contains("'crashy'", error.GetProperty("message").GetString());
    }

    private static JsonObject StreamsManifest(string id, string callTimeout)
    {
        var manifest = TestPlugins.Manifest(id, "1.0.0");
        manifest["contracts"] = new JsonArray("test.echo/v1", "test.stream/v1");
        manifest["callTimeout"] = callTimeout;
        return manifest;
    }

    private Task<HttpResponseMessage> PostAsync(string path, string body, string? accept = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        return _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(HangGuard);
    }

    private sealed class Counter : ICounterService
    {
        private int _value;

        public int Value => Volatile.Read(ref _value);

        public int Increment() => Interlocked.Increment(ref _value);
    }

    /// <summary>Holds plugin calls until released, and tells when a held call's token fires.</summary>
    private sealed class Holds : IHoldService
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _entered = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _cancelled = new();

        public Task WaitAsync(string key, CancellationToken cancellationToken)
        {
            cancellationToken.Register(() => Signal(_cancelled, key).TrySetResult());
            Signal(_entered, key).TrySetResult();
            return Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public Task WhenEntered(string key) => Signal(_entered, key).Task;

        public Task WhenCancelled(string key) => Signal(_cancelled, key).Task;

        private static TaskCompletionSource Signal(ConcurrentDictionary<string, TaskCompletionSource> signals, string key) =>
            signals.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}
