using System.Runtime.InteropServices;
using System.CommandLine;
using Hotplug.Admin;
using Hotplug.Process;
using Hotplug.Scripting.CSharp;
using Hotplug.Scripting.JavaScript;
using Hotplug.Scripting.Lua;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Hotplug.Cli;

/// <summary><c>hotplug run</c>: a host over a plugins folder, with the admin API and a live status table.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var plugins = new Argument<string>("plugins-dir") { Description = "The folder to watch; each subfolder with a plugin.json is one plugin." };
        var state = CommonOptions.State();
        var port = new Option<int>("--admin-port")
        {
            Description = "The admin API's port on 127.0.0.1 (0 picks a free one).",
            DefaultValueFactory = _ => HotplugAdminOptions.DefaultPort,
        };
        var trust = new Option<string?>("--trust") { Description = "The trust folder (*.pub, pins.json, revoked.txt) or one .pub file (default: <state>/trust)." };
        var allowUnsigned = new Option<bool>("--allow-unsigned") { Description = "DEVELOPMENT ONLY: load packages no trusted key signed." };
        var contracts = new Option<string[]>("--contracts")
        {
            Description = "A contract assembly (.dll) the host shares with its plugins, as an embedded host that references it does (repeatable).",
        };
        var create = new Option<bool>("--create") { Description = "Create the plugins folder if it does not exist." };
        var bus = new Option<string[]>("--bus")
        {
            Description = "Where the bus hub listens for members, such as tcp://*:5557 (repeatable; default tcp://127.0.0.1:0, a free port on this machine).",
        };
        var busTrust = new Option<string?>("--bus-trust") { Description = "The folder of member public keys (*.pub) the bus admits (default: <state>/bus/trusted)." };
        var command = new Command("run", "Run a plugin host over a folder until Ctrl+C.") { plugins, state, port, trust, allowUnsigned, contracts, create, bus, busTrust };
        command.SetAction((parse, cancellationToken) => RunAsync(
            new RunSettings(parse.GetValue(plugins)!, parse.GetValue(state)!, parse.GetValue(port), parse.GetValue(trust), parse.GetValue(allowUnsigned), parse.GetValue(contracts) ?? [], parse.GetValue(create))
            {
                BusEndpoints = parse.GetValue(bus) ?? [],
                BusTrustPath = parse.GetValue(busTrust),
            },
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(RunSettings settings, CancellationToken invocationToken)
    {
        var (pluginsPath, statePath, port, trustPath, allowUnsigned, _, _) = settings;
        // Ctrl+C and SIGTERM (a service manager's stop) both stop the host drained, then exit 0.
        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        var cancellationToken = shutdown.Token;

        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            shutdown.Cancel();
        }

        IReadOnlyList<string> shared;
        try
        {
            CheckPluginsFolder(settings);
            shared = ContractAssemblies.Load(settings.Contracts);
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine($"error usage: {ex.Message}");
            return ExitCodes.Usage;
        }

        var interactive = !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // A failed start is said once, below, without the hosting layer's stack trace.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None).SetMinimumLevel(LogLevel.Information);
        if (interactive)
        {
            // The live table owns the terminal: logs go to a file beside the store.
            Directory.CreateDirectory(statePath);
            builder.Logging.AddProvider(new FileLoggerProvider(Path.Combine(statePath, "hotplug.log")));
        }
        else
        {
            // Escaped as in the file: a redirected log is read with tail or a journal, which a raw escape sequence drives.
            builder.Logging.AddProvider(new FileLoggerProvider(new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true }));
        }

        builder.Services.AddHotplug(o =>
            {
                o.PluginsPath = pluginsPath;
                o.StatePath = statePath;
                o.TrustPath = trustPath;
                o.RequireSignedPackages = !allowUnsigned;
            })
            .AddAssemblyRuntime(o =>
            {
                foreach (var name in shared)
                {
                    o.SharedAssemblies.Add(name);
                }
            })
            .AddProcessRuntime()
            .AddLuaRuntime()
            .AddJavaScriptRuntime()
            .AddCSharpScriptRuntime()
            .AddBusRuntime(o =>
            {
                foreach (var endpoint in settings.BusEndpoints)
                {
                    o.Endpoints.Add(endpoint);
                }

                o.TrustedMembersPath = settings.BusTrustPath ?? Path.Combine(statePath, "bus", "trusted");
            })
            .AddAdminApi(o => o.Port = port);
        using var host = builder.Build();
        var pluginHost = host.Services.GetRequiredService<IPluginHost>();
        var events = new RecentEvents(10);
        pluginHost.StateChanged += (_, change) => events.Add(change);

        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is PluginException or Microsoft.Extensions.Options.OptionsValidationException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error start: {ex.Message}");
            return ExitCodes.Failed;
        }

        var hub = host.Services.GetRequiredService<Hotplug.Bus.BusHub>();
        Console.Error.WriteLine($"bus: members join at {string.Join(", ", hub.Endpoints)} with hub key {hub.PublicKey} ({Path.Combine(statePath, "bus", "hub.pub")}); member keys trusted from {settings.BusTrustPath ?? Path.Combine(statePath, "bus", "trusted")}");
        if (allowUnsigned)
        {
            Console.Error.WriteLine("WARNING: --allow-unsigned: this host loads plugins that no trusted key signed. Use it only while developing.");
        }

        if (interactive)
        {
            await LiveView.RunAsync(pluginHost, events, statePath, cancellationToken);
        }
        else
        {
            await WaitForShutdownAsync(cancellationToken);
        }

        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StopAsync(stopping.Token);
        return ExitCodes.Ok;
    }

    /// <summary>A plugins path that is a file, or a folder that does not exist (a typo, most likely), is bad usage.</summary>
    private static void CheckPluginsFolder(RunSettings settings)
    {
        if (File.Exists(settings.PluginsPath))
        {
            throw new UsageException($"{settings.PluginsPath} is a file; give the folder that holds one subfolder per plugin.");
        }

        if (!Directory.Exists(settings.PluginsPath))
        {
            if (!settings.Create)
            {
                throw new UsageException($"the plugins folder {Path.GetFullPath(settings.PluginsPath)} does not exist; give an existing folder, or add --create to start with an empty one.");
            }

            Directory.CreateDirectory(settings.PluginsPath);
        }
    }

    private static async Task WaitForShutdownAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: stop drained.
        }
    }
}

/// <summary>What <c>hotplug run</c> was told.</summary>
internal sealed record RunSettings(string PluginsPath, string StatePath, int Port, string? TrustPath, bool AllowUnsigned, IReadOnlyList<string> Contracts, bool Create)
{
    /// <summary>Gets where the bus hub listens (none given: a free loopback port).</summary>
    public IReadOnlyList<string> BusEndpoints { get; init; } = [];

    /// <summary>Gets the folder of member public keys the bus admits.</summary>
    public string? BusTrustPath { get; init; }
}
