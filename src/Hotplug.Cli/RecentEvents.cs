using System.Globalization;

namespace Hotplug.Cli;

/// <summary>The last lifecycle changes, for the live view, and a signal when one arrives.</summary>
internal sealed class RecentEvents(int capacity)
{
    private readonly Queue<string> _lines = new();
    private readonly object _sync = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Add(PluginStateChange change)
    {
        var line = LogText.Escape(string.Create(
            CultureInfo.InvariantCulture,
            $"{DateTime.Now:HH:mm:ss} {change.PluginId} {change.Version ?? "-"} {change.State}{(change.Reason is null ? string.Empty : ": " + change.Reason)}"));
        TaskCompletionSource changed;
        lock (_sync)
        {
            _lines.Enqueue(line);
            while (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }

            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    public IReadOnlyList<string> Snapshot()
    {
        lock (_sync)
        {
            return [.. _lines];
        }
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task changed;
        lock (_sync)
        {
            changed = _changed.Task;
        }

        await Task.WhenAny(changed, Task.Delay(timeout, cancellationToken));
        cancellationToken.ThrowIfCancellationRequested();
    }
}
