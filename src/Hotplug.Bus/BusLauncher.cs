using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Hotplug.Bus;

/// <summary>
/// The members a bus plugin version launches from its package: each a child process that joins the hub with a
/// one-time ticket (no key of its own needed), relaunched with backoff when it dies, told to leave when the version stops.
/// </summary>
internal sealed partial class BusLauncher(BusHub hub, HubService owner, string service, string packagePath, BusLaunch launch, ILogger logger) : IAsyncDisposable
{
    private readonly List<Slot> _slots = [];
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Starts every member; the caller waits for them to join.</summary>
    public IReadOnlyList<string> Start()
    {
        for (var i = 0; i < launch.Count; i++)
        {
            var slot = new Slot($"{owner.PluginId}-{owner.Version}-{i + 1}-{Environment.ProcessId}");
            _slots.Add(slot);
            Launch(slot);
        }

        return [.. _slots.Select(s => s.Member)];
    }

    /// <summary>Gets the tickets of the launched members, to tell their reports from others'.</summary>
    public bool Launched(string? ticket) => ticket is not null && _slots.Any(s => s.Ticket == ticket);

    /// <summary>Gets why a launched member's process ended before it joined, if one did.</summary>
    public string? EarlyExit => _slots.Select(s => s.EarlyExit).FirstOrDefault(e => e is not null);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var slot in _slots)
        {
            hub.SayGoodbye(slot.Ticket);
        }

        foreach (var slot in _slots)
        {
            if (slot.Process is { } process)
            {
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.Dispose();
            }

            hub.RemoveTicket(slot.Ticket);
        }
    }

    private void Launch(Slot slot)
    {
        hub.RemoveTicket(slot.Ticket);
        slot.Ticket = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        hub.AddTicket(slot.Ticket, service, owner);
        var executable = Path.Combine(packagePath, launch.Executable);
        var info = executable.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { ArgumentList = { executable } }
            : new ProcessStartInfo(executable);
        foreach (var arg in launch.Args)
        {
            info.ArgumentList.Add(arg);
        }

        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.WorkingDirectory = packagePath;
        info.Environment[BusMemberOptions.EndpointVariable] = hub.Endpoints[0];
        info.Environment[BusMemberOptions.ServiceVariable] = service;
        info.Environment[BusMemberOptions.MemberVariable] = slot.Member;
        info.Environment[BusMemberOptions.VersionVariable] = owner.Version;
        info.Environment[BusMemberOptions.TicketVariable] = slot.Ticket;
        info.Environment[BusMemberOptions.ParentVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (hub.PublicKey is { } key)
        {
            info.Environment[BusMemberOptions.HubKeyVariable] = key;
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            slot.EarlyExit = $"{launch.Executable} cannot be started: {ex.Message}";
            return;
        }

        slot.Process = process;
        slot.StartedAt = Environment.TickCount64;
        process.OutputDataReceived += (_, e) => Forward(slot, e.Data, LogLevel.Information);
        process.ErrorDataReceived += (_, e) => Forward(slot, e.Data, LogLevel.Warning);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = WatchAsync(slot, process);
    }

    private async Task WatchAsync(Slot slot, Process process)
    {
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var code = process.ExitCode;
        slot.EarlyExit ??= $"member {slot.Member} ({launch.Executable}) exited with code {code}{(slot.LastError is null ? "" : $": {slot.LastError}")}";
        hub.MemberExited(slot.Ticket, $"its process exited with code {code}");
        LogExited(logger, slot.Member, code);
        slot.Backoff = Environment.TickCount64 - slot.StartedAt > 30_000 ? 200 : Math.Min(10_000, Math.Max(200, slot.Backoff * 2));
        try
        {
            await Task.Delay(slot.Backoff, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        process.Dispose();
        Launch(slot);
    }

    private void Forward(Slot slot, string? line, LogLevel level)
    {
        if (line is null)
        {
            return;
        }

        if (level == LogLevel.Warning)
        {
            slot.LastError = line.Length > 500 ? line[..500] : line;
        }

        LogOutput(logger, level, slot.Member, line);
    }

    [LoggerMessage(20, LogLevel.Warning, "Bus member {Member} exited with code {Code}; launching it again.")]
    private static partial void LogExited(ILogger logger, string member, int code);

    [LoggerMessage(EventId = 21, Message = "{Member}: {Line}")]
    private static partial void LogOutput(ILogger logger, LogLevel level, string member, string line);

    private sealed class Slot(string member)
    {
        public string Member { get; } = member;

        public string Ticket { get; set; } = "";

        public Process? Process { get; set; }

        public long StartedAt { get; set; }

        public int Backoff { get; set; }

        public string? EarlyExit { get; set; }

        public string? LastError { get; set; }
    }
}
