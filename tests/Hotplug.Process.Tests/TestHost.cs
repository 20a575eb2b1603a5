using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hotplug.Process.Tests;

/// <summary>A real Hotplug host with the process runtime, on a folder of its own, for tests of what the runtime passes to plugins.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    private readonly IHost _host;

    private TestHost(string root, IHost host)
    {
        Root = root;
        _host = host;
        Plugins = host.Services.GetRequiredService<IPluginHost>();
    }

    public string Root { get; }

    public IPluginHost Plugins { get; }

    /// <summary>Gets the host's services.</summary>
    public IServiceProvider Services => _host.Services;

    public string Store => Path.Combine(Root, "state", "store");

    public static async Task<TestHost> StartAsync(Action<ProcessRuntimeOptions>? configure = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "hotplug-process-hardening", Guid.NewGuid().ToString("N")[..10]);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHotplug(o =>
            {
                o.PluginsPath = Path.Combine(root, "plugins");
                o.StatePath = Path.Combine(root, "state");
                o.StabilityWindow = TimeSpan.FromMilliseconds(100);
                o.RequireSignedPackages = false;
            })
            .AddProcessRuntime(o =>
            {
                o.Supervision.MaxFailures = 1;
                configure?.Invoke(o);
            });
        var host = builder.Build();
        await host.StartAsync();
        return new TestHost(root, host);
    }

    /// <summary>Installs the Go minimal plugin under <paramref name="id"/>, with <paramref name="entry"/>'s fields added to its entry.</summary>
    public void InstallMinimal(string id, JsonObject? entry = null, JsonObject? config = null)
    {
        var folder = Path.Combine(Root, "plugins", id);
        Directory.CreateDirectory(folder);
        File.Copy(GoPlugins.Minimal, Path.Combine(folder, "minimal"), overwrite: true);
        var fields = new JsonObject
        {
            ["executable"] = "minimal",
            ["handshake"] = new JsonObject { ["magicCookieKey"] = "HOTPLUG_TEST_PLUGIN", ["magicCookieValue"] = "d3c4f1a0" },
        };
        foreach (var (name, value) in entry ?? [])
        {
            fields[name] = value?.DeepClone();
        }

        File.WriteAllText(Path.Combine(folder, "plugin.json"), new JsonObject
        {
            ["id"] = id,
            ["version"] = "1.0.0",
            ["runtime"] = "process",
            ["entry"] = fields,
            ["config"] = config ?? [],
        }.ToJsonString());
    }

    /// <summary>Completes with the first change of a version of <paramref name="id"/> to one of <paramref name="states"/>.</summary>
    public Task<PluginStateChange> WaitForAsync(string id, params PluginVersionState[] states)
    {
        var done = new TaskCompletionSource<PluginStateChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        Plugins.StateChanged += (_, change) =>
        {
            if (change.PluginId == id && change.VersionState is { } state && states.Contains(state))
            {
                done.TrySetResult(change);
            }
        };
        return done.Task.WaitAsync(TimeSpan.FromSeconds(120));
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        Directory.Delete(Root, recursive: true);
    }
}

/// <summary>What /proc says of a process.</summary>
internal static class ProcFs
{
    /// <summary>The environment a process was started with, from /proc/&lt;pid&gt;/environ.</summary>
    public static Dictionary<string, string> Environment(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ")
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => v.Split('=', 2))
            .ToDictionary(v => v[0], v => v.Length > 1 ? v[1] : string.Empty, StringComparer.Ordinal);

    /// <summary>The live (not zombie) processes whose executable is under <paramref name="folder"/>.</summary>
    public static List<int> RunningFrom(string folder)
    {
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(entry), out var pid) && new FileInfo(Path.Combine(entry, "exe")).LinkTarget is { } exe && exe.StartsWith(folder, StringComparison.Ordinal) && IsAlive(pid))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    /// <summary>Whether a process runs (exists and is not a zombie).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The process group of a process.</summary>
    public static int Group(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until a process no longer runs: a process that is not the test's child gives no signal of its end to wait on.</summary>
    public static async Task WaitUntilGoneAsync(int pid)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (IsAlive(pid))
        {
            await Task.Delay(20, guard.Token);
        }
    }
}
